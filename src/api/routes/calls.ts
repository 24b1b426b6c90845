/** `/v1.0/calls`: read-only for now (list and get); creation comes with the call engine (groupcall.md). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Call } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { readRoutes } from './resource.ts';

export async function callRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  readRoutes(app, {
    path: 'calls',
    singular: 'Call',
    plural: 'Calls',
    resource: Call,
    service: opts.directory.calls,
  });
}
