/** `/v1.0/groupcalls`: read-only for now (list and get); creation comes with the call engine (groupcall.md). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Groupcall } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { readRoutes } from './resource.ts';

export async function groupcallRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  readRoutes(app, {
    path: 'groupcalls',
    singular: 'Groupcall',
    plural: 'Groupcalls',
    resource: Groupcall,
    service: opts.directory.groupcalls,
  });
}
