/**
 * Users (api.md, pickup.md §3–4): named call/pickup groups (rules in `named-groups.ts`) and `monitor`,
 * who may pick up the user's direct calls (`"*"`, or ids of users and groups of the tenant).
 */
import type { UserRow } from '../../store/rows.ts';
import type { ResourceService } from '../contract.ts';
import { DirectoryError } from '../errors.ts';
import { parseNamedGroups } from '../named-groups.ts';
import { toUser } from '../resources.ts';
import { checkInput } from '../schema-errors.ts';
import * as S from '../schemas/index.ts';
import type { TenantState } from '../cache/tenant-state.ts';
import type { DirectoryContext } from './context.ts';
import { ResourceServiceBase } from './resource-base.ts';

/** The stored `monitor` list: duplicates dropped; each entry `"*"` or a user or group of the tenant. */
export function monitorList(state: TenantState, monitor: readonly string[]): string[] {
  const out = [...new Set(monitor)];
  monitor.forEach((m, i) => {
    if (m === '*' || state.users.has(m) || state.groups.has(m)) return;
    const message = `'${m}' is not "*" nor a user or group of this tenant`;
    throw new DirectoryError(400, 'REFERENCE_NOT_FOUND', `monitor: ${message}`, [
      { path: `/monitor/${i}`, message, ids: [m] },
    ]);
  });
  return out;
}

export class UserService
  extends ResourceServiceBase<UserRow, S.User>
  implements ResourceService<S.User, S.UserCreate, S.UserUpdate>
{
  constructor(ctx: DirectoryContext) {
    super(ctx, { table: 'users', resource: 'user', repo: (r) => r.users, toResource: toUser });
  }

  async create(customerId: string, input: S.UserCreate): Promise<S.User> {
    checkInput(S.UserCreate, input);
    return this.createRow(customerId, (state, id) => ({
      id,
      customer_id: customerId,
      name: input.name,
      call_groups: parseNamedGroups(input.call_groups ?? [], 'call_groups'),
      pickup_groups: parseNamedGroups(input.pickup_groups ?? [], 'pickup_groups'),
      monitor: monitorList(state, input.monitor ?? []),
      ...this.ctx.newTimes(),
    }));
  }

  async update(customerId: string, id: string, input: S.UserUpdate): Promise<S.User> {
    checkInput(S.UserUpdate, input);
    return this.patch(customerId, id, (_current, state) => {
      const patch: Partial<UserRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.call_groups !== undefined) {
        patch.call_groups = parseNamedGroups(input.call_groups, 'call_groups');
      }
      if (input.pickup_groups !== undefined) {
        patch.pickup_groups = parseNamedGroups(input.pickup_groups, 'pickup_groups');
      }
      if (input.monitor !== undefined) patch.monitor = monitorList(state, input.monitor);
      return patch;
    });
  }
}
