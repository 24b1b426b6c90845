/** Queues (agent groups, queues.md): `agent_ids` must be agents of the tenant. */
import type { QueueRow } from '../../store/rows.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ResourceService } from '../contract.ts';
import { DirectoryError } from '../errors.ts';
import { toQueue } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import { present, type DirectoryContext } from './context.ts';
import { deleteResource, type DeleteSpec } from './delete.ts';

const spec: DeleteSpec<QueueRow> = { table: 'queues', resource: 'queue', repo: (r) => r.queues };

/** Queue defaults (queues.md). */
export const QUEUE_DEFAULTS = {
  strategy: 'ring_all',
  ring_timeout: 15,
  wait_timeout: 300,
  music: 'default',
} as const;

function checkAgents(state: TenantState, ids: readonly string[]): string[] {
  ids.forEach((id, i) => {
    if (state.agents.has(id)) return;
    const message = `agent ${id} not found`;
    throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', `agent_ids: ${message}`, [
      { path: `/agent_ids/${i}`, message, ids: [id] },
    ]);
  });
  return [...new Set(ids)];
}

export class QueueService implements ResourceService<S.Queue, S.QueueCreate, S.QueueUpdate> {
  constructor(private readonly ctx: DirectoryContext) {}

  async create(customerId: string, input: S.QueueCreate): Promise<S.Queue> {
    checkInput(S.QueueCreate, input);
    return this.ctx.write(async (repos, changes) => {
      const state = this.ctx.tenant(customerId);
      const row: QueueRow = {
        id: this.ctx.ids(),
        customer_id: customerId,
        name: input.name,
        agent_ids: checkAgents(state, input.agent_ids ?? []),
        strategy: input.strategy ?? QUEUE_DEFAULTS.strategy,
        ring_timeout: input.ring_timeout ?? QUEUE_DEFAULTS.ring_timeout,
        wait_timeout: input.wait_timeout ?? QUEUE_DEFAULTS.wait_timeout,
        music: input.music ?? QUEUE_DEFAULTS.music,
        ...this.ctx.newTimes(),
      };
      await repos.queues.insert(row);
      changes.add({ table: 'queues', customerId, id: row.id, op: 'create', row });
      return toQueue(row);
    });
  }

  async get(customerId: string, id: string): Promise<S.Queue> {
    return toQueue(await this.ctx.row(this.ctx.store.repos.queues, 'queue', customerId, id));
  }

  list(customerId: string, page: S.PageQuery): Promise<S.PageResult<S.Queue>> {
    return this.ctx.page(this.ctx.store.repos.queues, customerId, page, toQueue);
  }

  async update(customerId: string, id: string, input: S.QueueUpdate): Promise<S.Queue> {
    checkInput(S.QueueUpdate, input);
    return this.ctx.write(async (repos, changes) => {
      await this.ctx.row(repos.queues, 'queue', customerId, id);
      const state = this.ctx.tenant(customerId);
      const patch: Partial<QueueRow> = { tm_update: this.ctx.stamp() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.agent_ids !== undefined) patch.agent_ids = checkAgents(state, input.agent_ids);
      if (input.strategy !== undefined) patch.strategy = input.strategy;
      if (input.ring_timeout !== undefined) patch.ring_timeout = input.ring_timeout;
      if (input.wait_timeout !== undefined) patch.wait_timeout = input.wait_timeout;
      if (input.music !== undefined) patch.music = input.music;
      const row = present(await repos.queues.update(customerId, id, patch), 'queue');
      changes.add({ table: 'queues', customerId, id, op: 'update', row });
      return toQueue(row);
    });
  }

  async delete(customerId: string, id: string, opts?: { force?: boolean }): Promise<S.Queue> {
    return toQueue(await deleteResource(this.ctx, spec, customerId, id, opts?.force));
  }
}
