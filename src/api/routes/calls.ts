/**
 * `/v1.0/calls`: list and get (from the store), and `POST /v1.0/calls/{id}/hangup` on a live call when the
 * call engine runs. Outbound calls (`POST /v1.0/calls`) come with the groupcall engine (groupcall.md).
 */
import type { DirectoryApi } from '../../directory/contract.ts';
import { IdParams } from '../../directory/schemas/common.ts';
import { Call } from '../../directory/schemas/index.ts';
import { tenantOf } from '../auth.ts';
import { errorResponses, ok } from '../errors.ts';
import type { PbxApi } from '../pbx.ts';
import type { ApiInstance } from '../types.ts';
import { EmptyQuery, readRoutes } from './resource.ts';

export async function callRoutes(
  app: ApiInstance,
  opts: { directory: DirectoryApi; pbx?: PbxApi },
): Promise<void> {
  readRoutes(app, {
    path: 'calls',
    singular: 'Call',
    plural: 'Calls',
    resource: Call,
    service: opts.directory.calls,
  });
  const pbx = opts.pbx;
  if (!pbx) return;
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
}
