/**
 * What pickup codes name, found in the directory: the first action that rings people in the callflow an
 * extension dials (pickup.md §2, `type: extension`), the devices of a device / user / group, and the ring
 * groups and monitorable users of a picker for `*87` (pickup.md §4). Answers that scan the tenant's
 * callflows or users are memoized per directory version, so the call path pays for a scan once per
 * directory write, never per ringing call.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import type { Callflow } from '../../directory/schemas/callflow.ts';
import { endpointDevices } from '../groupcall/address-resolver.ts';
import { asNode } from '../callflow/node.ts';
import type { FlowNode } from '../callflow/types.ts';
import { mayMonitor, type PickerIdentity } from './permissions.ts';
import { ringGroupKey, type PickupScope } from './types.ts';

/** The modules that ring people, in pickup.md §2's words. */
const RINGING = new Set(['device', 'user', 'ring_group', 'queue']);

/** The first ringing node of a flow, and the callflow that holds it. */
export interface RingingNode {
  node: FlowNode;
  callflow: Callflow;
}

/**
 * Depth first through `callflow` (a node, then its children in key order; a `callflow` node enters the
 * callflow it names, each callflow once): the first `device`, `user`, `ring_group` or `queue` node.
 */
export function firstRingingNode(
  dir: DirectoryCache,
  customerId: string,
  callflow: Callflow,
): RingingNode | undefined {
  const seen = new Set<string>([callflow.id]);
  const walk = (raw: unknown, cf: Callflow): RingingNode | undefined => {
    const node = asNode(raw);
    if (node === undefined) return undefined;
    if (RINGING.has(node.module) && node.data.skip_module !== true) return { node, callflow: cf };
    if (node.module === 'callflow' && typeof node.data.id === 'string' && !seen.has(node.data.id)) {
      seen.add(node.data.id);
      const sub = dir.callflow(customerId, node.data.id);
      const found = sub !== undefined ? walk(sub.flow, sub) : undefined;
      if (found) return found;
    }
    for (const child of Object.values(node.children)) {
      const found = walk(child, cf);
      if (found) return found;
    }
    return undefined;
  };
  return walk(callflow.flow, callflow);
}

/** Every device id a `ring_group` node rings (its endpoints expanded). */
export function ringGroupDevices(dir: DirectoryCache, customerId: string, node: FlowNode): string[] {
  const endpoints = Array.isArray(node.data.endpoints) ? (node.data.endpoints as unknown[]) : [];
  const out = new Set<string>();
  for (const e of endpoints) {
    if (typeof e !== 'object' || e === null) continue;
    const { id, endpoint_type } = e as { id?: unknown; endpoint_type?: unknown };
    if (typeof id !== 'string' || typeof endpoint_type !== 'string') continue;
    for (const d of endpointDevices(dir, customerId, endpoint_type, id)) out.add(d.id);
  }
  return [...out];
}

/** The ring-group key of a `ring_group` node of `callflow`. */
export function nodeRingGroupKey(callflow: Callflow, node: FlowNode): string {
  return ringGroupKey(callflow.id, typeof node.data.name === 'string' ? node.data.name : '');
}

/** Device scopes for each of `deviceIds`. */
export function deviceScopes(deviceIds: Iterable<string>, directOnly = false): PickupScope[] {
  return [...deviceIds].map((id) => ({ kind: 'device', id, directOnly }));
}

/**
 * Memoized per directory version and tenant: which ring groups each device is a member of (from every
 * `ring_group` node of every callflow), and which users each picker may monitor.
 */
export class TenantTargets {
  private version = -1;
  private readonly ringGroups = new Map<string, Map<string, string[]>>();
  private readonly monitorable = new Map<string, string[]>();

  constructor(private readonly dir: DirectoryCache) {}

  /** Ring-group keys whose members include `deviceId`. */
  ringGroupsOf(customerId: string, deviceId: string): readonly string[] {
    this.fresh();
    let byDevice = this.ringGroups.get(customerId);
    if (byDevice === undefined) {
      byDevice = this.scanRingGroups(customerId);
      this.ringGroups.set(customerId, byDevice);
    }
    return byDevice.get(deviceId) ?? [];
  }

  /** Users (ids) whose direct calls the picker may pick up, other than the picker. */
  monitorableBy(p: PickerIdentity): readonly string[] {
    this.fresh();
    const key = `${p.customerId}\u001f${p.deviceId}`;
    let users = this.monitorable.get(key);
    if (users === undefined) {
      users = [];
      for (const u of this.dir.usersOf(p.customerId))
        if (u.id !== p.userId && mayMonitor(this.dir, u.id, p)) users.push(u.id);
      this.monitorable.set(key, users);
    }
    return users;
  }

  private fresh(): void {
    if (this.version === this.dir.version) return;
    this.version = this.dir.version;
    this.ringGroups.clear();
    this.monitorable.clear();
  }

  private scanRingGroups(customerId: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const visit = (raw: unknown, cf: Callflow): void => {
      const node = asNode(raw);
      if (node === undefined) return;
      if (node.module === 'ring_group') {
        const key = nodeRingGroupKey(cf, node);
        for (const d of ringGroupDevices(this.dir, customerId, node)) {
          const list = out.get(d) ?? [];
          if (!list.includes(key)) list.push(key);
          out.set(d, list);
        }
      }
      for (const child of Object.values(node.children)) visit(child, cf);
    };
    for (const cf of this.dir.callflowsOf(customerId)) visit(cf.flow, cf);
    return out;
  }
}
