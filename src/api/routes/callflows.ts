/** `/v1.0/callflows`: numbers, patterns and the flow tree (callflows.md) (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Callflow, CallflowCreate, CallflowUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function callflowRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'callflows',
    singular: 'Callflow',
    plural: 'Callflows',
    resource: Callflow,
    create: CallflowCreate,
    update: CallflowUpdate,
    service: opts.directory.callflows,
    force: true,
  });
}
