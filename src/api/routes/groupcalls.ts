/**
 * `/v1.0/groupcalls` (groupcall.md): list and get (live groupcalls from memory, the others from the
 * store; deleted ones are hidden), and — when the call engine runs — create, hang up and soft-delete.
 */
import type { DirectoryApi, ReadService } from '../../directory/contract.ts';
import { IdParams } from '../../directory/schemas/common.ts';
import { Groupcall, GroupcallCreate } from '../../directory/schemas/index.ts';
import { tenantOf } from '../auth.ts';
import { errorResponses, ok } from '../errors.ts';
import type { PbxApi } from '../pbx.ts';
import type { ApiInstance } from '../types.ts';
import { EmptyQuery, readRoutes, STATUSES } from './resource.ts';

export async function groupcallRoutes(
  app: ApiInstance,
  opts: { directory: DirectoryApi; pbx?: PbxApi },
): Promise<void> {
  const stored = opts.directory.groupcalls;
  const live = opts.pbx?.groupcalls;
  const service: ReadService<Groupcall> = live
    ? {
        list: async (customerId, page) => {
          await live.written();
          return stored.list(customerId, page);
        },
        get: async (customerId, id) => live.latest(customerId, id) ?? stored.get(customerId, id),
      }
    : stored;
  readRoutes(app, {
    path: 'groupcalls',
    singular: 'Groupcall',
    plural: 'Groupcalls',
    resource: Groupcall,
    service,
  });
  if (!live) return;
  app.post(
    '/groupcalls',
    {
      schema: {
        operationId: 'createGroupcall',
        tags: ['groupcalls'],
        summary: 'Ring destinations (ring_all or linear); the first to answer wins, the others are cancelled',
        body: GroupcallCreate,
        response: {
          200: ok(Groupcall, 'the new groupcall (status progressing); its legs are being dialed'),
          ...errorResponses(STATUSES.create),
        },
      },
    },
    async (request) => live.create(tenantOf(request), request.body),
  );
  app.post(
    '/groupcalls/:id/hangup',
    {
      schema: {
        operationId: 'hangupGroupcall',
        tags: ['groupcalls'],
        summary: 'Hang up every leg and nested groupcall (idempotent on a groupcall already hung up)',
        params: IdParams,
        querystring: EmptyQuery,
        response: {
          200: ok(Groupcall, 'the groupcall, now hangingup or hangup'),
          ...errorResponses(STATUSES.get),
        },
      },
    },
    async (request) => live.hangup(tenantOf(request), request.params.id),
  );
  app.delete(
    '/groupcalls/:id',
    {
      schema: {
        operationId: 'deleteGroupcall',
        tags: ['groupcalls'],
        summary: 'Hang up (if needed) and soft-delete a groupcall',
        params: IdParams,
        querystring: EmptyQuery,
        response: {
          200: ok(Groupcall, 'the deleted groupcall (tm_delete set)'),
          ...errorResponses(STATUSES.get),
        },
      },
    },
    async (request) => live.delete(tenantOf(request), request.params.id),
  );
}
