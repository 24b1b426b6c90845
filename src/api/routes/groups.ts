/** `/v1.0/groups`: groups of devices, users and groups (no cycles) (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Group, GroupCreate, GroupUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function groupRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'groups',
    singular: 'Group',
    plural: 'Groups',
    resource: Group,
    create: GroupCreate,
    update: GroupUpdate,
    service: opts.directory.groups,
    force: true,
  });
}
