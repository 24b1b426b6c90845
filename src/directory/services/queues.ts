/** Queues (agent groups, queues.md): `agent_ids` must be agents of the tenant. */
import type { QueueRow } from '../../store/rows.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ResourceService } from '../contract.ts';
import { DirectoryError } from '../errors.ts';
import { toQueue } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

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

export class QueueService
  extends ResourceServiceBase<QueueRow, S.Queue>
  implements ResourceService<S.Queue, S.QueueCreate, S.QueueUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, { table: 'queues', resource: 'queue', repo: (r) => r.queues, toResource: toQueue });
  }

  async create(customerId: string, input: S.QueueCreate): Promise<S.Queue> {
    checkInput(S.QueueCreate, input);
    return this.createRow(customerId, (state, id) => ({
      id,
      customer_id: customerId,
      name: input.name,
      agent_ids: checkAgents(state, input.agent_ids ?? []),
      strategy: input.strategy ?? QUEUE_DEFAULTS.strategy,
      ring_timeout: input.ring_timeout ?? QUEUE_DEFAULTS.ring_timeout,
      wait_timeout: input.wait_timeout ?? QUEUE_DEFAULTS.wait_timeout,
      music: input.music ?? QUEUE_DEFAULTS.music,
      ...this.ctx.newTimes(),
    }));
  }

  async update(customerId: string, id: string, input: S.QueueUpdate): Promise<S.Queue> {
    checkInput(S.QueueUpdate, input);
    return this.patch(customerId, id, (_current, state) => {
      const patch: Partial<QueueRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.agent_ids !== undefined) patch.agent_ids = checkAgents(state, input.agent_ids);
      if (input.strategy !== undefined) patch.strategy = input.strategy;
      if (input.ring_timeout !== undefined) patch.ring_timeout = input.ring_timeout;
      if (input.wait_timeout !== undefined) patch.wait_timeout = input.wait_timeout;
      if (input.music !== undefined) patch.music = input.music;
      return patch;
    });
  }
}
