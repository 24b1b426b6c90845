/** `/v1.0/users`: people, their named call/pickup groups (pickup.md §3) and `monitor` (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { User, UserCreate, UserUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function userRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'users',
    singular: 'User',
    plural: 'Users',
    resource: User,
    create: UserCreate,
    update: UserUpdate,
    service: opts.directory.users,
    force: true,
  });
}
