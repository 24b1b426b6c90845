/**
 * The in-memory directory (`DirectoryCache`): every tenant's resources and indexes, filled once at start
 * and then changed only by `apply`, which the directory calls after each write commits. Lookups are
 * synchronous and never query the database.
 */
import type { AccessKeyRow, CustomerRow, RowTypes } from '../../store/rows.ts';
import type { CallflowMatch, DeviceEntry, DirectoryCache, Principal, TenantEntry } from '../contract.ts';
import type { RowChange } from '../changes.ts';
import { deepFreeze, toCustomer } from '../resources.ts';
import type * as S from '../schemas/index.ts';
import { AccessKeyIndex } from './access-key-index.ts';
import { TenantState } from './tenant-state.ts';

/** Everything needed to fill the cache (each table's live rows, any order). */
export type CacheSeed = { [T in Exclude<keyof RowTypes, 'groupcalls' | 'calls'>]: RowTypes[T][] };

const byCreation = <R extends { tm_create: string; id: string }>(a: R, b: R): number =>
  a.tm_create < b.tm_create ? -1 : a.tm_create > b.tm_create ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export class DirectoryCacheImpl implements DirectoryCache {
  private readonly tenants = new Map<string, TenantState>();
  private readonly domains = new Map<string, TenantState>();
  readonly keys = new AccessKeyIndex();
  private versionNumber = 0;

  get version(): number {
    return this.versionNumber;
  }

  /** Fills the cache from every table's rows (at start). */
  load(seed: CacheSeed): void {
    const sorted = <R extends { tm_create: string; id: string }>(rows: R[]): R[] =>
      [...rows].sort(byCreation);
    for (const r of sorted(seed.customers)) this.setCustomer(r);
    for (const r of seed.access_keys) this.keys.set(r);
    const each = <R extends { customer_id: string; tm_create: string; id: string }>(
      rows: R[],
      set: (t: TenantState, r: R) => void,
    ): void => {
      for (const r of sorted(rows)) {
        const t = this.tenants.get(r.customer_id);
        if (t) set(t, r);
      }
    };
    each(seed.users, (t, r) => t.setUser(r));
    each(seed.devices, (t, r) => t.setDevice(r));
    each(seed.groups, (t, r) => t.setGroup(r));
    each(seed.callflows, (t, r) => t.setCallflow(r));
    each(seed.agents, (t, r) => t.setAgent(r));
    each(seed.queues, (t, r) => t.setQueue(r));
    this.versionNumber++;
  }

  /** Applies the changes of one committed write and bumps the version (memoized answers dropped). */
  apply(changes: readonly RowChange[]): void {
    for (const c of changes) this.applyOne(c);
    this.versionNumber++;
  }

  private applyOne(c: RowChange): void {
    if (c.table === 'customers') {
      if (c.op === 'delete') this.deleteCustomer(c.id);
      else if (c.row) this.setCustomer(c.row);
      return;
    }
    if (c.table === 'access_keys') {
      if (c.op === 'delete') this.keys.remove(c.id);
      else if (c.row) this.keys.set(c.row as AccessKeyRow);
      return;
    }
    const t = this.tenants.get(c.customerId);
    if (!t) return;
    const del = c.op === 'delete' || !c.row;
    switch (c.table) {
      case 'users':
        return del ? t.deleteUser(c.id) : t.setUser(c.row!);
      case 'devices':
        return del ? t.deleteDevice(c.id) : t.setDevice(c.row!);
      case 'groups':
        return del ? t.deleteGroup(c.id) : t.setGroup(c.row!);
      case 'callflows':
        return del ? t.deleteCallflow(c.id) : t.setCallflow(c.row!);
      case 'agents':
        return del ? t.deleteAgent(c.id) : t.setAgent(c.row!);
      case 'queues':
        return del ? t.deleteQueue(c.id) : t.setQueue(c.row!);
      default:
        return; // trunks: not needed by the call engine yet
    }
  }

  private setCustomer(row: CustomerRow): void {
    const c = toCustomer(row);
    const entry: TenantEntry = deepFreeze({ id: c.id, domain: c.domain, settings: c.settings });
    let t = this.tenants.get(row.id);
    if (t) {
      if (this.domains.get(t.tenant.domain) === t) this.domains.delete(t.tenant.domain);
      t.tenant = entry;
    } else {
      t = new TenantState(entry);
      this.tenants.set(row.id, t);
    }
    this.domains.set(entry.domain, t);
  }

  private deleteCustomer(id: string): void {
    const t = this.tenants.get(id);
    if (!t) return;
    if (this.domains.get(t.tenant.domain) === t) this.domains.delete(t.tenant.domain);
    this.tenants.delete(id);
    this.keys.removeCustomer(id);
  }

  /** The tenant's state, for the services (validation, references). */
  state(customerId: string): TenantState | undefined {
    return this.tenants.get(customerId);
  }

  authenticate(key: string): Principal | undefined {
    return this.keys.authenticate(key);
  }

  // ---- DirectoryCache ----

  tenantByDomain(domain: string): TenantEntry | undefined {
    return this.domains.get(domain.toLowerCase())?.tenant;
  }

  tenant(customerId: string): TenantEntry | undefined {
    return this.tenants.get(customerId)?.tenant;
  }

  deviceBySipUsername(customerId: string, sipUsername: string): DeviceEntry | undefined {
    return this.tenants.get(customerId)?.devicesBySip.get(sipUsername);
  }

  device(customerId: string, id: string): DeviceEntry | undefined {
    return this.tenants.get(customerId)?.devices.get(id)?.entry;
  }

  user(customerId: string, id: string): S.User | undefined {
    return this.tenants.get(customerId)?.users.get(id);
  }

  group(customerId: string, id: string): S.Group | undefined {
    return this.tenants.get(customerId)?.groups.get(id);
  }

  callflow(customerId: string, id: string): S.Callflow | undefined {
    return this.tenants.get(customerId)?.callflows.get(id);
  }

  agent(customerId: string, id: string): S.Agent | undefined {
    return this.tenants.get(customerId)?.agents.get(id);
  }

  queue(customerId: string, id: string): S.Queue | undefined {
    return this.tenants.get(customerId)?.queues.get(id);
  }

  devicesOfUser(customerId: string, userId: string): readonly DeviceEntry[] {
    return this.tenants.get(customerId)?.devicesOfUser(userId) ?? [];
  }

  expandGroup(customerId: string, groupId: string): readonly string[] {
    return this.tenants.get(customerId)?.expandGroup(groupId, this.versionNumber) ?? [];
  }

  groupsOfUser(customerId: string, userId: string): readonly string[] {
    return this.tenants.get(customerId)?.groupsOfUser(userId, this.versionNumber) ?? [];
  }

  usersInCallGroup(customerId: string, name: string): readonly string[] {
    return this.tenants.get(customerId)?.usersInCallGroup(name) ?? [];
  }

  usersOf(customerId: string): Iterable<S.User> {
    return this.tenants.get(customerId)?.users.values() ?? [];
  }

  callflowsOf(customerId: string): Iterable<S.Callflow> {
    return this.tenants.get(customerId)?.callflows.values() ?? [];
  }

  groupsOf(customerId: string): Iterable<S.Group> {
    return this.tenants.get(customerId)?.groups.values() ?? [];
  }

  matchCallflow(customerId: string, dialed: string): CallflowMatch | undefined {
    const t = this.tenants.get(customerId);
    const m = t?.callflowIndex.match(dialed);
    if (!t || !m) return undefined;
    const callflow = t.callflows.get(m.callflowId);
    return callflow ? { callflow, via: m.via, capture: m.capture } : undefined;
  }
}
