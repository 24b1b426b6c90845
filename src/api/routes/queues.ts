/** `/v1.0/queues`: agent groups (queues.md) (customer keys). */
import type { DirectoryApi } from '../../directory/contract.ts';
import { Queue, QueueCreate, QueueUpdate } from '../../directory/schemas/index.ts';
import type { ApiInstance } from '../types.ts';
import { crudRoutes } from './resource.ts';

export async function queueRoutes(app: ApiInstance, opts: { directory: DirectoryApi }): Promise<void> {
  crudRoutes(app, {
    path: 'queues',
    singular: 'Queue',
    plural: 'Queues',
    resource: Queue,
    create: QueueCreate,
    update: QueueUpdate,
    service: opts.directory.queues,
    force: true,
  });
}
