/**
 * `/v1.0/calls`: list and get (live and not yet written calls from memory, the others from the store),
 * and — when the call engine runs — outbound calls (`POST /v1.0/calls`, groupcall.md),
 * `POST /v1.0/calls/{id}/hangup` on a live call and `POST /v1.0/calls/{id}/pickup` (pickup.md §6).
 */
import { Type } from 'typebox';
import type { DirectoryApi, ReadService } from '../../directory/contract.ts';
import { IdParams } from '../../directory/schemas/common.ts';
import { Call, CallCreate, Groupcall } from '../../directory/schemas/index.ts';
import { invalid } from '../../directory/errors.ts';
import { tenantOf } from '../auth.ts';
import { errorResponses, ok } from '../errors.ts';
import type { PbxApi } from '../pbx.ts';
import type { ApiInstance } from '../types.ts';
import { EmptyQuery, readRoutes, STATUSES } from './resource.ts';

/** What `POST /v1.0/calls` answers. */
export const CallsCreated = Type.Object({
  calls: Type.Array(Call, { description: 'one per destination that is a single leg (sip, tel, a device)' }),
  groupcalls: Type.Array(Groupcall, {
    description: 'one per destination that rings several legs (user, group, extension, agent)',
  }),
});

/** `POST /v1.0/calls/{id}/pickup`: who picks up — exactly one of the two. */
export const PickupBody = Type.Object(
  {
    device_id: Type.Optional(Type.String({ format: 'uuid', description: 'ring this device' })),
    user_id: Type.Optional(Type.String({ format: 'uuid', description: 'ring every device of this user' })),
  },
  { additionalProperties: false, description: 'the picker: exactly one of device_id or user_id' },
);

export async function callRoutes(
  app: ApiInstance,
  opts: { directory: DirectoryApi; pbx?: PbxApi },
): Promise<void> {
  // Records are written behind the call (`calls.record_write_ms`): a live or not yet written call is read
  // from memory, and a list first waits for the pending writes, so neither shows an older state.
  const stored = opts.directory.calls;
  const latest = opts.pbx?.calls.latest;
  const written = opts.pbx?.calls.written;
  const service: ReadService<Call> = {
    list: async (customerId, page) => {
      await written?.();
      return stored.list(customerId, page);
    },
    get: async (customerId, id) => latest?.(customerId, id) ?? stored.get(customerId, id),
  };
  readRoutes(app, {
    path: 'calls',
    singular: 'Call',
    plural: 'Calls',
    resource: Call,
    service,
  });
  const pbx = opts.pbx;
  if (!pbx) return;
  const create = pbx.calls.create;
  if (create) {
    app.post(
      '/calls',
      {
        schema: {
          operationId: 'createCalls',
          tags: ['calls'],
          summary: 'Call each destination; the answered call runs flow_id',
          body: CallCreate,
          response: {
            200: ok(CallsCreated, 'the calls and groupcalls created (dialing)'),
            ...errorResponses(STATUSES.create),
          },
        },
      },
      async (request) => create(tenantOf(request), request.body),
    );
  }
  app.post(
    '/calls/:id/hangup',
    {
      schema: {
        operationId: 'hangupCall',
        tags: ['calls'],
        summary: 'Hang up a live call (BYE when answered, CANCEL while ringing)',
        params: IdParams,
        querystring: EmptyQuery,
        response: {
          200: ok(Call, 'the call, now terminating or hung up'),
          ...errorResponses([400, 401, 403, 404, 500] as const),
        },
      },
    },
    async (request) => pbx.calls.hangup(tenantOf(request), request.params.id),
  );
  const pickup = pbx.calls.pickup;
  if (!pickup) return;
  app.post(
    '/calls/:id/pickup',
    {
      schema: {
        operationId: 'pickupCall',
        tags: ['calls'],
        summary: 'Pick up a ringing call from a device: ringd rings the picker, who is connected on answer',
        params: IdParams,
        querystring: EmptyQuery,
        body: PickupBody,
        response: {
          200: ok(Groupcall, 'the groupcall ringing the picker (status progressing)'),
          ...errorResponses([400, 401, 403, 404, 409, 413, 415, 500] as const),
        },
      },
    },
    async (request) => {
      const { device_id, user_id } = request.body;
      if ((device_id === undefined) === (user_id === undefined)) {
        const message = 'give exactly one of device_id or user_id (the picker)';
        throw invalid([{ path: '', message }], message);
      }
      const picker = device_id !== undefined ? { device_id } : { user_id: user_id! };
      return pickup(tenantOf(request), request.params.id, picker);
    },
  );
}
