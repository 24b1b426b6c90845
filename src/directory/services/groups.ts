/**
 * Groups (api.md): `endpoints` in KAZOO's shape, `{ "<id>": { "type": "device" | "user" | "group" } }`.
 * Every member must exist in the tenant with the stated type; groups may nest, but never in a cycle.
 */
import type { GroupRow } from '../../store/rows.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { ResourceService } from '../contract.ts';
import { DirectoryError } from '../errors.ts';
import { findGroupCycle } from '../group-graph.ts';
import { toGroup } from '../resources.ts';
import { checkInput, pointer } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

type Endpoints = Record<string, { type: string }>;

/** Checks members and cycles; returns the endpoints as stored (only `type` kept). */
export function checkEndpoints(state: TenantState, groupId: string, endpoints: Endpoints): Endpoints {
  const out: Endpoints = {};
  for (const [id, m] of Object.entries(endpoints)) {
    if (!state.has(m.type, id)) {
      const message = `${m.type} ${id} not found`;
      throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', `endpoints: ${message}`, [
        { path: pointer('/endpoints', id), message, ids: [id] },
      ]);
    }
    out[id] = { type: m.type };
  }
  const cycle = findGroupCycle(groupId, out, (g) => state.groups.get(g)?.endpoints);
  if (cycle) {
    const names = cycle.map((g) => {
      const name = g === groupId ? undefined : state.groups.get(g)?.name;
      return name ? `${g} (${name})` : g;
    });
    throw new DirectoryError(400, 'GROUP_CYCLE', `groups would contain each other: ${names.join(' → ')}`, [
      { path: '/endpoints', message: `cycle ${cycle.join(' → ')}`, ids: cycle },
    ]);
  }
  return out;
}

export class GroupService
  extends ResourceServiceBase<GroupRow, S.Group>
  implements ResourceService<S.Group, S.GroupCreate, S.GroupUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, { table: 'groups', resource: 'group', repo: (r) => r.groups, toResource: toGroup });
  }

  async create(customerId: string, input: S.GroupCreate): Promise<S.Group> {
    checkInput(S.GroupCreate, input);
    return this.createRow(customerId, (state, id) => ({
      id,
      customer_id: customerId,
      name: input.name,
      endpoints: checkEndpoints(state, id, input.endpoints ?? {}),
      ...this.ctx.newTimes(),
    }));
  }

  async update(customerId: string, id: string, input: S.GroupUpdate): Promise<S.Group> {
    checkInput(S.GroupUpdate, input);
    return this.patch(customerId, id, (_current, state) => {
      const patch: Partial<GroupRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.endpoints !== undefined) patch.endpoints = checkEndpoints(state, id, input.endpoints);
      return patch;
    });
  }
}
