/** `/v1.0/trunks`: outbound gateways; `password` is write-only (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Trunk, TrunkCreate, TrunkUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function trunkRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'trunks',
    singular: 'Trunk',
    plural: 'Trunks',
    resource: Trunk,
    create: TrunkCreate,
    update: TrunkUpdate,
    service: opts.directory.trunks,
    force: false,
  });
}
