/**
 * Agents (queues.md): people who take queue calls, rung at their `addresses` (groupcall.md address
 * types). Every address is checked when saved, so a queue call never rings nobody silently.
 */
import type { AddressRow, AgentRow } from '../../store/rows.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ResourceService } from '../contract.ts';
import { DirectoryError, invalid } from '../errors.ts';
import { toAgent } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

const TEL = /^\+?[0-9]{3,15}$/;

function missing(path: string, message: string, id: string): DirectoryError {
  return new DirectoryError(400, 'REFERENCE_NOT_FOUND', `${path}: ${message}`, [
    { path, message, ids: [id] },
  ]);
}

/** The stored addresses (every field present) after checking each target; `self` = the agent's own id. */
export function checkAddresses(
  state: TenantState,
  addresses: readonly S.AddressInput[],
  self: string,
): AddressRow[] {
  return addresses.map((a, i) => {
    const row: AddressRow = {
      type: a.type,
      target: a.target ?? '',
      target_name: a.target_name ?? '',
      name: a.name ?? '',
      detail: a.detail ?? '',
    };
    const path = `/addresses/${i}/target`;
    switch (row.type) {
      case 'device':
      case 'user':
      case 'group':
      case 'agent':
        if (row.type === 'agent' && row.target === self)
          throw invalid([{ path, message: 'an agent cannot ring itself' }]);
        if (!state.has(row.type, row.target))
          throw missing(path, `${row.type} '${row.target}' not found`, row.target);
        break;
      case 'extension': {
        const ext = row.target_name || row.target;
        if (!ext) throw invalid([{ path, message: 'an extension address needs target_name (or target)' }]);
        if (state.callflowIndex.byNumber(ext) === undefined && !state.devicesBySip.has(ext)) {
          throw missing(
            path,
            `extension '${ext}' is neither a callflow number nor a device sip_username`,
            ext,
          );
        }
        break;
      }
      case 'sip':
        if (!/^sips?:/.test(row.target))
          throw invalid([{ path, message: "a sip target starts with 'sip:' or 'sips:'" }]);
        break;
      case 'tel':
        if (!TEL.test(row.target)) {
          throw invalid([{ path, message: 'a tel target is 3–15 digits, optionally after a +' }]);
        }
        break;
    }
    return row;
  });
}

function checkOwner(state: TenantState, ownerId: string | undefined): string {
  if (ownerId === undefined || ownerId === NIL_UUID) return NIL_UUID;
  if (!state.users.has(ownerId)) throw missing('/owner_id', `user ${ownerId} not found`, ownerId);
  return ownerId;
}

export class AgentService
  extends ResourceServiceBase<AgentRow, S.Agent>
  implements ResourceService<S.Agent, S.AgentCreate, S.AgentUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, { table: 'agents', resource: 'agent', repo: (r) => r.agents, toResource: toAgent });
  }

  async create(customerId: string, input: S.AgentCreate): Promise<S.Agent> {
    checkInput(S.AgentCreate, input);
    return this.createRow(customerId, (state, id) => ({
      id,
      customer_id: customerId,
      name: input.name,
      owner_id: checkOwner(state, input.owner_id),
      addresses: checkAddresses(state, input.addresses ?? [], id),
      ring_method: input.ring_method ?? 'ring_all',
      status: input.status ?? 'available',
      ...this.ctx.newTimes(),
    }));
  }

  async update(customerId: string, id: string, input: S.AgentUpdate): Promise<S.Agent> {
    checkInput(S.AgentUpdate, input);
    return this.patch(customerId, id, (_current, state) => {
      const patch: Partial<AgentRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.owner_id !== undefined) patch.owner_id = checkOwner(state, input.owner_id);
      if (input.addresses !== undefined) patch.addresses = checkAddresses(state, input.addresses, id);
      if (input.ring_method !== undefined) patch.ring_method = input.ring_method;
      if (input.status !== undefined) patch.status = input.status;
      return patch;
    });
  }
}
