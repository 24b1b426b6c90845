/**
 * One tenant's slice of the directory cache: every resource by id, the secondary indexes the call engine
 * looks things up by (SIP user name, owner, call-group name, callflow numbers and patterns), who refers to
 * whom, and memoized group expansions (valid for one cache version).
 */
import type { AgentRow, CallflowRow, DeviceRow, GroupRow, QueueRow, UserRow } from '../../store/rows.ts';
import { NIL_UUID } from '../../store/timestamp.ts';
import { flowRefs } from '../callflow-validate.ts';
import type { DeviceEntry, TenantEntry } from '../contract.ts';
import { containingGroups, expandGroupDevices, type GroupGraph } from '../group-graph.ts';
import { deepFreeze, toAgent, toCallflow, toDeviceEntry, toGroup, toQueue, toUser } from '../resources.ts';
import type * as S from '../schemas/index.ts';
import { CallflowIndex } from './callflow-index.ts';
import { ReferenceIndex } from './reference-index.ts';

/** Address types whose `target` is the id of a directory resource. */
export const ID_ADDRESS_TYPES: ReadonlySet<string> = new Set(['device', 'user', 'group', 'agent']);

interface DeviceRecord {
  entry: DeviceEntry;
  order: string; // tm_create + id: creation order
}

const EMPTY: readonly never[] = Object.freeze([]);

export class TenantState {
  readonly users = new Map<string, S.User>();
  readonly devices = new Map<string, DeviceRecord>();
  readonly devicesBySip = new Map<string, DeviceEntry>();
  readonly devicesByOwner = new Map<string, DeviceRecord[]>();
  readonly groups = new Map<string, S.Group>();
  readonly callflows = new Map<string, S.Callflow>();
  readonly agents = new Map<string, S.Agent>();
  readonly queues = new Map<string, S.Queue>();
  readonly callGroups = new Map<string, Set<string>>();
  readonly callflowIndex = new CallflowIndex();
  readonly refs = new ReferenceIndex();
  private memoVersion = -1;
  private readonly expansions = new Map<string, readonly string[]>();
  private readonly userGroups = new Map<string, readonly string[]>();

  constructor(public tenant: TenantEntry) {}

  // ---- writes (called by DirectoryCacheImpl.apply after a commit) ----

  setUser(row: UserRow): void {
    const old = this.users.get(row.id);
    const user = deepFreeze(toUser(row));
    this.users.set(row.id, user);
    const names = new Set(user.call_groups);
    for (const n of old?.call_groups ?? []) if (!names.has(n)) this.leaveCallGroup(n, row.id);
    for (const n of names) {
      let s = this.callGroups.get(n);
      if (!s) this.callGroups.set(n, (s = new Set()));
      s.add(row.id);
    }
    this.refs.set(
      'users',
      row.id,
      user.monitor.filter((m) => m !== '*'),
    );
  }

  deleteUser(id: string): void {
    const old = this.users.get(id);
    if (!old) return;
    for (const n of old.call_groups) this.leaveCallGroup(n, id);
    this.users.delete(id);
    this.refs.remove(id);
  }

  private leaveCallGroup(name: string, userId: string): void {
    const s = this.callGroups.get(name);
    s?.delete(userId);
    if (s?.size === 0) this.callGroups.delete(name);
  }

  setDevice(row: DeviceRow): void {
    this.deleteDevice(row.id);
    const rec: DeviceRecord = { entry: deepFreeze(toDeviceEntry(row)), order: `${row.tm_create} ${row.id}` };
    this.devices.set(row.id, rec);
    this.devicesBySip.set(rec.entry.sipUsername, rec.entry);
    if (rec.entry.ownerId !== NIL_UUID) {
      const list = this.devicesByOwner.get(rec.entry.ownerId) ?? [];
      let i = list.length;
      while (i > 0 && list[i - 1].order > rec.order) i--;
      list.splice(i, 0, rec);
      this.devicesByOwner.set(rec.entry.ownerId, list);
      this.refs.set('devices', row.id, [rec.entry.ownerId]);
    }
  }

  deleteDevice(id: string): void {
    const rec = this.devices.get(id);
    if (!rec) return;
    this.devices.delete(id);
    if (this.devicesBySip.get(rec.entry.sipUsername) === rec.entry)
      this.devicesBySip.delete(rec.entry.sipUsername);
    const list = this.devicesByOwner.get(rec.entry.ownerId);
    if (list) {
      const rest = list.filter((r) => r.entry.id !== id);
      if (rest.length > 0) this.devicesByOwner.set(rec.entry.ownerId, rest);
      else this.devicesByOwner.delete(rec.entry.ownerId);
    }
    this.refs.remove(id);
  }

  setGroup(row: GroupRow): void {
    const group = deepFreeze(toGroup(row));
    this.groups.set(row.id, group);
    this.refs.set('groups', row.id, Object.keys(group.endpoints));
  }

  deleteGroup(id: string): void {
    this.groups.delete(id);
    this.refs.remove(id);
  }

  setCallflow(row: CallflowRow): void {
    const callflow = deepFreeze(toCallflow(row));
    this.callflows.set(row.id, callflow);
    this.callflowIndex.set(row.id, callflow.numbers, callflow.patterns);
    this.refs.set(
      'callflows',
      row.id,
      flowRefs(row.flow).map((r) => r.id),
    );
  }

  deleteCallflow(id: string): void {
    this.callflows.delete(id);
    this.callflowIndex.remove(id);
    this.refs.remove(id);
  }

  setAgent(row: AgentRow): void {
    const agent = deepFreeze(toAgent(row));
    this.agents.set(row.id, agent);
    const targets = agent.addresses.filter((a) => ID_ADDRESS_TYPES.has(a.type)).map((a) => a.target);
    if (agent.owner_id !== NIL_UUID) targets.push(agent.owner_id);
    this.refs.set('agents', row.id, targets);
  }

  deleteAgent(id: string): void {
    this.agents.delete(id);
    this.refs.remove(id);
  }

  setQueue(row: QueueRow): void {
    const queue = deepFreeze(toQueue(row));
    this.queues.set(row.id, queue);
    this.refs.set('queues', row.id, queue.agent_ids);
  }

  deleteQueue(id: string): void {
    this.queues.delete(id);
    this.refs.remove(id);
  }

  // ---- reads ----

  devicesOfUser(userId: string): readonly DeviceEntry[] {
    const list = this.devicesByOwner.get(userId);
    return list ? list.map((r) => r.entry) : EMPTY;
  }

  /** Whether the tenant has a resource of this kind with this id. */
  has(kind: string, id: string): boolean {
    switch (kind) {
      case 'user':
        return this.users.has(id);
      case 'device':
        return this.devices.has(id);
      case 'group':
        return this.groups.has(id);
      case 'callflow':
        return this.callflows.has(id);
      case 'agent':
        return this.agents.has(id);
      case 'queue':
        return this.queues.has(id);
      default:
        return false;
    }
  }

  private memo(version: number): void {
    if (this.memoVersion === version) return;
    this.expansions.clear();
    this.userGroups.clear();
    this.memoVersion = version;
  }

  readonly graph: GroupGraph = {
    endpointsOf: (groupId) => this.groups.get(groupId)?.endpoints,
    hasDevice: (deviceId) => this.devices.has(deviceId),
    devicesOfUser: (userId) => (this.devicesByOwner.get(userId) ?? []).map((r) => r.entry.id),
  };

  expandGroup(groupId: string, version: number): readonly string[] {
    this.memo(version);
    let out = this.expansions.get(groupId);
    if (!out) {
      out = Object.freeze(this.groups.has(groupId) ? expandGroupDevices(groupId, this.graph) : []);
      this.expansions.set(groupId, out);
    }
    return out;
  }

  groupsOfUser(userId: string, version: number): readonly string[] {
    this.memo(version);
    let out = this.userGroups.get(userId);
    if (!out) {
      const members = [userId, ...this.graph.devicesOfUser(userId)];
      out = Object.freeze(containingGroups(members, (id) => this.refs.referrersIn('groups', id)));
      this.userGroups.set(userId, out);
    }
    return out;
  }

  usersInCallGroup(name: string): readonly string[] {
    const s = this.callGroups.get(name);
    return s ? [...s] : EMPTY;
  }
}
