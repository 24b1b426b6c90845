/**
 * Groups as a graph (api.md groups, pickup.md §1): members are devices, users and other groups, in
 * `endpoints` insertion order. Saving a group that would reach itself is refused; expansion to devices is
 * depth first, drops duplicates and keeps a visited set so it can never loop, even on odd stored data.
 */

/** A group's members: id → { type }. */
export type Endpoints = Readonly<Record<string, { readonly type: string }>>;

/** What expansion and cycle checks need to know about a tenant. */
export interface GroupGraph {
  /** The endpoints of a group, undefined when no such group. */
  endpointsOf(groupId: string): Endpoints | undefined;
  /** Whether a device exists (deleted members are skipped). */
  hasDevice(deviceId: string): boolean;
  /** Devices a user owns, in creation order. */
  devicesOfUser(userId: string): readonly string[];
}

/**
 * A cycle that `groupId` would close if its endpoints were `endpoints`: the path of group ids from
 * `groupId` back to itself (`[a, b, a]`; `[a, a]` for a group containing itself), or undefined.
 */
export function findGroupCycle(
  groupId: string,
  endpoints: Endpoints,
  endpointsOf: (groupId: string) => Endpoints | undefined,
): string[] | undefined {
  const done = new Set<string>();
  const stack: string[] = [groupId];
  const visit = (members: Endpoints): string[] | undefined => {
    for (const [id, m] of Object.entries(members)) {
      if (m.type !== 'group') continue;
      if (id === groupId) return [...stack, id];
      if (done.has(id) || stack.includes(id)) continue;
      const next = endpointsOf(id);
      if (!next) continue;
      stack.push(id);
      const found = visit(next);
      if (found) return found;
      stack.pop();
      done.add(id);
    }
    return undefined;
  };
  return visit(endpoints);
}

/**
 * Device ids of a group: each member in `endpoints` order — a device, the devices of a user (creation
 * order), or the expansion of a nested group (depth first) — duplicates dropped, each group visited once.
 */
export function expandGroupDevices(groupId: string, graph: GroupGraph): string[] {
  const devices = new Set<string>();
  const visited = new Set<string>();
  const visit = (id: string): void => {
    if (visited.has(id)) return;
    visited.add(id);
    const endpoints = graph.endpointsOf(id);
    if (!endpoints) return;
    for (const [memberId, m] of Object.entries(endpoints)) {
      if (m.type === 'device') {
        if (graph.hasDevice(memberId)) devices.add(memberId);
      } else if (m.type === 'user') {
        for (const d of graph.devicesOfUser(memberId)) devices.add(d);
      } else if (m.type === 'group') {
        visit(memberId);
      }
    }
  };
  visit(groupId);
  return [...devices];
}

/**
 * Groups that contain any of `memberIds` directly or through nested groups, in breadth-first order of
 * discovery. `parentsOf(id)` lists the groups whose endpoints name `id`.
 */
export function containingGroups(
  memberIds: readonly string[],
  parentsOf: (id: string) => readonly string[],
): string[] {
  const found = new Set<string>();
  const queue = [...memberIds];
  for (let i = 0; i < queue.length; i++) {
    for (const g of parentsOf(queue[i])) {
      if (found.has(g)) continue;
      found.add(g);
      queue.push(g);
    }
  }
  return [...found];
}
