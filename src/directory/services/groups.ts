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
import { present, type DirectoryContext } from './context.ts';
import { deleteResource, type DeleteSpec } from './delete.ts';

const spec: DeleteSpec<GroupRow> = { table: 'groups', resource: 'group', repo: (r) => r.groups };

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

export class GroupService implements ResourceService<S.Group, S.GroupCreate, S.GroupUpdate> {
  constructor(private readonly ctx: DirectoryContext) {}

  async create(customerId: string, input: S.GroupCreate): Promise<S.Group> {
    checkInput(S.GroupCreate, input);
    return this.ctx.write(async (repos, changes) => {
      const state = this.ctx.tenant(customerId);
      const id = this.ctx.ids();
      const row: GroupRow = {
        id,
        customer_id: customerId,
        name: input.name,
        endpoints: checkEndpoints(state, id, input.endpoints ?? {}),
        ...this.ctx.newTimes(),
      };
      await repos.groups.insert(row);
      changes.add({ table: 'groups', customerId, id, op: 'create', row });
      return toGroup(row);
    });
  }

  async get(customerId: string, id: string): Promise<S.Group> {
    return toGroup(await this.ctx.row(this.ctx.store.repos.groups, 'group', customerId, id));
  }

  list(customerId: string, page: S.PageQuery): Promise<S.PageResult<S.Group>> {
    return this.ctx.page(this.ctx.store.repos.groups, customerId, page, toGroup);
  }

  async update(customerId: string, id: string, input: S.GroupUpdate): Promise<S.Group> {
    checkInput(S.GroupUpdate, input);
    return this.ctx.write(async (repos, changes) => {
      await this.ctx.row(repos.groups, 'group', customerId, id);
      const state = this.ctx.tenant(customerId);
      const patch: Partial<GroupRow> = { tm_update: this.ctx.stamp() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.endpoints !== undefined) patch.endpoints = checkEndpoints(state, id, input.endpoints);
      const row = present(await repos.groups.update(customerId, id, patch), 'group');
      changes.add({ table: 'groups', customerId, id, op: 'update', row });
      return toGroup(row);
    });
  }

  async delete(customerId: string, id: string, opts?: { force?: boolean }): Promise<S.Group> {
    return toGroup(await deleteResource(this.ctx, spec, customerId, id, opts?.force));
  }
}
