/**
 * The front doors' requests (pickup.md "Front doors"): each turns what a callflow node (and the dialed
 * code) says into a `PickupRequest` — which legs are in scope, in which tiers, under which permission, in
 * which order. They only read the directory; the engine does the rest.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import type { RequestContext } from './pickup-engine.ts';
import { approved, mayMonitor, namedUser, type PickerIdentity } from './permissions.ts';
import { deviceScopes, firstRingingNode, nodeRingGroupKey } from './targets.ts';
import type { IndexedLeg, PickupRequest, PickupScope, PickupTier } from './types.ts';

type Permission = ReturnType<PickupRequest['permission']>;

/** The dialed text of a star code without the trailing `#` phones may add (pickup.md §4). */
export function stripHash(capture: string): string {
  return capture.trim().replace(/#+$/, '');
}

const allowed = (): Permission => 'allowed';

/** pickup.md §1, `group_pickup`: `device_id` > `user_id` > `group_id`; `approved_*`; oldest first. */
export function groupPickupRequest(ctx: RequestContext, data: Record<string, unknown>): PickupRequest {
  const { directory: dir, picker } = ctx;
  const str = (k: string) =>
    typeof data[k] === 'string' && data[k] !== '' ? (data[k] as string) : undefined;
  let scopes: PickupScope[] = [];
  const device = str('device_id');
  const user = str('user_id');
  const group = str('group_id');
  if (device !== undefined) {
    if (dir.device(picker.customerId, device)) scopes = [{ kind: 'device', id: device }];
  } else if (user !== undefined) {
    if (dir.user(picker.customerId, user)) scopes = [{ kind: 'user', id: user }];
  } else if (group !== undefined) scopes = deviceScopes(dir.expandGroup(picker.customerId, group));
  return {
    kind: 'group',
    permission: () => (approved(dir, data, picker) ? 'allowed' : 'denied'),
    tiers: [{ scopes }],
    order: 'oldest',
  };
}

/**
 * pickup.md §2, `group_pickup_feature`: `type` extension (default: directed pickup of what the number
 * dials), device (a SIP username), user or group (id or name); `approved_*` first.
 */
export function featureRequest(
  ctx: RequestContext,
  data: Record<string, unknown>,
  capture: string,
): PickupRequest {
  const { directory: dir, picker } = ctx;
  const target = stripHash(capture);
  const type = typeof data.type === 'string' ? data.type : 'extension';
  const gate = (inner: () => Permission) => () => (approved(dir, data, picker) ? inner() : 'denied');
  if (type === 'extension') {
    const r = directedRequest(ctx, target);
    return { ...r, permission: gate(r.permission) };
  }
  let scopes: PickupScope[] = [];
  if (type === 'device') {
    const d = target !== '' ? dir.deviceBySipUsername(picker.customerId, target) : undefined;
    if (d) scopes = [{ kind: 'device', id: d.id }];
  } else if (type === 'user') {
    const id = userByIdOrName(dir, picker.customerId, target);
    if (id) scopes = [{ kind: 'user', id }];
  } else if (type === 'group') {
    const id = groupByIdOrName(dir, picker.customerId, target);
    if (id) scopes = deviceScopes(dir.expandGroup(picker.customerId, id));
  }
  return { kind: 'feature', permission: gate(allowed), tiers: [{ scopes }], order: 'oldest' };
}

/**
 * pickup.md §4, `*87<ext>` (and `88<digits>`): what the extension's callflow rings first —
 * - a `user` / `device`: only the calls ringing that user's (that device's) devices directly, under the
 *   permission to monitor that user;
 * - a `ring_group`: the calls routed to that group (any of its endpoints), oldest first;
 * - a `queue`: its oldest ringing call, else the first to enter it.
 * Nothing rings there (unknown number, a callflow that rings nobody) → 404 No Pickup Target.
 */
export function directedRequest(ctx: RequestContext, ext: string): PickupRequest {
  const { directory: dir, picker } = ctx;
  const none: PickupRequest = {
    kind: 'directed',
    permission: () => 'no_target',
    tiers: [{ scopes: [] }],
    order: 'oldest',
  };
  const target = stripHash(ext);
  if (target === '') return none;
  const match = dir.matchCallflow(picker.customerId, target);
  if (match === undefined || match.via === 'no_match') return none;
  const found = firstRingingNode(dir, picker.customerId, match.callflow);
  if (found === undefined) return none;
  const { node, callflow } = found;
  const id = typeof node.data.id === 'string' ? node.data.id : '';
  switch (node.module) {
    case 'user': {
      if (!dir.user(picker.customerId, id)) return none;
      return {
        kind: 'directed',
        permission: () => (mayMonitor(dir, id, picker) ? 'allowed' : 'denied'),
        tiers: [{ scopes: [{ kind: 'user', id, directOnly: true }] }],
        order: 'oldest',
      };
    }
    case 'device': {
      const d = dir.device(picker.customerId, id);
      if (!d) return none;
      const owner = d.ownerId !== '' && dir.user(picker.customerId, d.ownerId) ? d.ownerId : '';
      return {
        kind: 'directed',
        permission: () => (mayMonitor(dir, owner, picker) ? 'allowed' : 'denied'),
        tiers: [{ scopes: [{ kind: 'device', id, directOnly: true }] }],
        order: 'oldest',
      };
    }
    case 'ring_group':
      return {
        kind: 'directed',
        permission: allowed,
        tiers: [{ scopes: [{ kind: 'ring_group', key: nodeRingGroupKey(callflow, node) }] }],
        order: 'oldest',
      };
    case 'queue':
      if (!dir.queue(picker.customerId, id)) return none;
      return {
        kind: 'directed',
        permission: allowed,
        tiers: [{ scopes: [{ kind: 'queue', id }] }],
        order: 'oldest',
      };
    default:
      return none;
  }
}

/**
 * pickup.md §3, `88<name>` / `88*<name>`: the picker must have `<name>` in `pickup_groups`; the legs to
 * devices of users with `<name>` in `call_groups`, in random order. `88<digits>` is directed pickup.
 */
export function namedRequest(ctx: RequestContext, capture: string): PickupRequest {
  const { directory: dir, picker } = ctx;
  const name = stripHash(capture).replace(/^\*/, '');
  if (/^[0-9]+$/.test(name)) return directedRequest(ctx, name);
  const user = picker.userId !== '' ? dir.user(picker.customerId, picker.userId) : undefined;
  const permitted = user !== undefined && user.pickup_groups.includes(name);
  const pickable = dir.usersInCallGroup(picker.customerId, name).length > 0;
  return {
    kind: 'named',
    permission: () => (!permitted ? 'denied' : pickable ? 'allowed' : 'no_target'),
    tiers: [{ scopes: [{ kind: 'call_group', name }], filter: namedOnly(dir) }],
    order: 'random',
  };
}

/**
 * pickup.md §4, `*87` alone. A legacy user: (1) the ring groups the picker is a member of, (2) the direct
 * calls of the extensions it may monitor, (3) the queues it is an agent of — the first tier with a call
 * wins. A named user: any call in its pickup groups. Group-based tiers never cross behaviours (seed 002).
 */
export function generalRequest(ctx: RequestContext): PickupRequest {
  const { directory: dir, picker, targets, queues } = ctx;
  const user = picker.userId !== '' ? dir.user(picker.customerId, picker.userId) : undefined;
  let tiers: PickupTier[];
  if (namedUser(dir, picker.customerId, picker.userId)) {
    const scopes = (user?.pickup_groups ?? []).map((name): PickupScope => ({ kind: 'call_group', name }));
    tiers = [{ scopes, filter: namedOnly(dir) }];
  } else {
    const ringGroups = picker.deviceId !== '' ? targets.ringGroupsOf(picker.customerId, picker.deviceId) : [];
    tiers = [
      { scopes: ringGroups.map((key) => ({ kind: 'ring_group', key })), filter: legacyOnly(dir) },
      { scopes: monitored(ctx, picker) },
      {
        scopes:
          picker.userId !== ''
            ? queues.queuesOfAgent(picker.customerId, picker.userId).map((id) => ({ kind: 'queue', id }))
            : [],
        filter: legacyOnly(dir),
      },
    ];
  }
  return { kind: 'general', permission: allowed, tiers, order: 'oldest' };
}

/** REST pickup of one caller call (pickup.md §6). */
export function callRequest(callId: string): PickupRequest {
  return {
    kind: 'api',
    permission: allowed,
    tiers: [{ scopes: [{ kind: 'call', id: callId }] }],
    order: 'oldest',
  };
}

function monitored(ctx: RequestContext, picker: PickerIdentity): PickupScope[] {
  return ctx.targets.monitorableBy(picker).map((id) => ({ kind: 'user', id, directOnly: true }));
}

function namedOnly(dir: DirectoryCache): (leg: IndexedLeg) => boolean {
  return (leg) => namedUser(dir, leg.customerId, leg.userId);
}

function legacyOnly(dir: DirectoryCache): (leg: IndexedLeg) => boolean {
  return (leg) => !namedUser(dir, leg.customerId, leg.userId);
}

function userByIdOrName(dir: DirectoryCache, customerId: string, idOrName: string): string | undefined {
  if (idOrName === '') return undefined;
  if (dir.user(customerId, idOrName)) return idOrName;
  for (const u of dir.usersOf(customerId)) if (u.name === idOrName) return u.id;
  return undefined;
}

function groupByIdOrName(dir: DirectoryCache, customerId: string, idOrName: string): string | undefined {
  if (idOrName === '') return undefined;
  if (dir.group(customerId, idOrName)) return idOrName;
  for (const g of dir.groupsOf(customerId)) if (g.name === idOrName) return g.id;
  return undefined;
}
