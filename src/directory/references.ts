/**
 * Deletes of referenced resources (api.md): found from the cache's reference index (no table scan),
 * refused with 409 RESOURCE_IN_USE naming the referrers, or — with `force` — the references are removed
 * in the same transaction as the delete:
 * - group endpoint entries, ring_group endpoint entries, `monitor` entries, agent addresses naming it and
 *   queue `agent_ids` are dropped;
 * - a device's or agent's `owner_id` becomes the nil UUID;
 * - a callflow node that cannot run without it is replaced by its `"_"` child (or a `hangup` node), and
 *   `approved_*` fields naming it are removed (see `removeFromFlow`).
 */
import type { FlowNodeRow } from '../store/rows.ts';
import { NIL_UUID } from '../store/timestamp.ts';
import type { Repos } from '../store/types.ts';
import type { ReferringTable } from './cache/reference-index.ts';
import { ID_ADDRESS_TYPES, type TenantState } from './cache/tenant-state.ts';
import { removeFromFlow } from './callflow-validate.ts';
import type { ChangeSet } from './changes.ts';
import { conflict, type ErrorDetail } from './errors.ts';

const LABEL: Record<ReferringTable, [string, string]> = {
  users: ['user', 'users'],
  devices: ['device', 'devices'],
  groups: ['group', 'groups'],
  callflows: ['callflow', 'callflows'],
  agents: ['agent', 'agents'],
  queues: ['queue', 'queues'],
};

/** Referrers of `id`, grouped by table (in first-reference order). */
export function referrersByTable(state: TenantState, id: string): Map<ReferringTable, string[]> {
  const out = new Map<ReferringTable, string[]>();
  for (const r of state.refs.referrers(id)) {
    const list = out.get(r.table) ?? [];
    list.push(r.id);
    out.set(r.table, list);
  }
  return out;
}

/** Throws 409 RESOURCE_IN_USE (one detail per referring kind) when anything refers to `id`. */
export function assertUnreferenced(state: TenantState, resource: string, id: string): void {
  const groups = referrersByTable(state, id);
  if (groups.size === 0) return;
  const details: ErrorDetail[] = [];
  const parts: string[] = [];
  for (const [table, ids] of groups) {
    const noun = LABEL[table][ids.length === 1 ? 0 : 1];
    parts.push(`${ids.length} ${noun}`);
    details.push({ path: '', message: `referred to by ${ids.length} ${noun}`, ids });
  }
  throw conflict(
    'RESOURCE_IN_USE',
    `${resource} ${id} is in use by ${parts.join(', ')}; delete with force=true to also remove the references`,
    details,
  );
}

/** Removes every reference to `id` from its referrers (inside the delete's transaction). */
export async function removeReferences(
  repos: Repos,
  state: TenantState,
  customerId: string,
  id: string,
  changes: ChangeSet,
  tmUpdate: string,
): Promise<void> {
  for (const r of state.refs.referrers(id)) {
    switch (r.table) {
      case 'users': {
        const u = state.users.get(r.id);
        if (!u) break;
        const row = await repos.users.update(customerId, r.id, {
          monitor: u.monitor.filter((m) => m !== id),
          tm_update: tmUpdate,
        });
        if (row) changes.add({ table: 'users', customerId, id: r.id, op: 'update', row });
        break;
      }
      case 'devices': {
        const row = await repos.devices.update(customerId, r.id, { owner_id: NIL_UUID, tm_update: tmUpdate });
        if (row) changes.add({ table: 'devices', customerId, id: r.id, op: 'update', row });
        break;
      }
      case 'groups': {
        const g = state.groups.get(r.id);
        if (!g) break;
        const endpoints = Object.fromEntries(Object.entries(g.endpoints).filter(([k]) => k !== id));
        const row = await repos.groups.update(customerId, r.id, { endpoints, tm_update: tmUpdate });
        if (row) changes.add({ table: 'groups', customerId, id: r.id, op: 'update', row });
        break;
      }
      case 'callflows': {
        const c = state.callflows.get(r.id);
        if (!c) break;
        const flow = removeFromFlow(c.flow as unknown as FlowNodeRow, id);
        const row = await repos.callflows.update(customerId, r.id, { flow, tm_update: tmUpdate });
        if (row) changes.add({ table: 'callflows', customerId, id: r.id, op: 'update', row });
        break;
      }
      case 'agents': {
        const a = state.agents.get(r.id);
        if (!a) break;
        const row = await repos.agents.update(customerId, r.id, {
          owner_id: a.owner_id === id ? NIL_UUID : a.owner_id,
          addresses: a.addresses.filter((x) => !(ID_ADDRESS_TYPES.has(x.type) && x.target === id)),
          tm_update: tmUpdate,
        });
        if (row) changes.add({ table: 'agents', customerId, id: r.id, op: 'update', row });
        break;
      }
      case 'queues': {
        const q = state.queues.get(r.id);
        if (!q) break;
        const row = await repos.queues.update(customerId, r.id, {
          agent_ids: q.agent_ids.filter((x) => x !== id),
          tm_update: tmUpdate,
        });
        if (row) changes.add({ table: 'queues', customerId, id: r.id, op: 'update', row });
        break;
      }
    }
  }
}
