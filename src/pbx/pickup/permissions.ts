/**
 * Who may pick up what (pickup.md): the `approved_*` restriction of KAZOO's actions, the permission to
 * monitor of `*87<ext>`, and the named / legacy behaviour of Wildix's call and pickup groups.
 */
import type { DirectoryCache } from '../../directory/contract.ts';
import type { User } from '../../directory/schemas/user.ts';

/** The picker as permissions see it. */
export interface PickerIdentity {
  customerId: string;
  deviceId: string;
  /** '' when the device has no owner. */
  userId: string;
}

const APPROVED = ['approved_device_id', 'approved_user_id', 'approved_group_id'] as const;

/**
 * pickup.md §1: only the first defined of `approved_device_id`, `approved_user_id`, `approved_group_id`
 * is checked against the picker's device (its id, its owner, a group whose expansion — nested groups
 * included — holds it). None defined: anyone in the tenant.
 */
export function approved(dir: DirectoryCache, data: Record<string, unknown>, p: PickerIdentity): boolean {
  const field = APPROVED.find((f) => typeof data[f] === 'string' && data[f] !== '');
  if (field === undefined) return true;
  const id = data[field] as string;
  if (field === 'approved_device_id') return id === p.deviceId;
  if (field === 'approved_user_id') return p.userId !== '' && id === p.userId;
  return inGroup(dir, p, id);
}

/** The picker's device is in `groupId` (directly, through its owner, or through nested groups). */
export function inGroup(dir: DirectoryCache, p: PickerIdentity, groupId: string): boolean {
  return p.deviceId !== '' && dir.expandGroup(p.customerId, groupId).includes(p.deviceId);
}

/**
 * pickup.md §4 "Permission to monitor": the picker may pick up the direct calls of `targetUserId` when
 * the target lists the picker's user id, a group the picker is in, or `"*"` in its `monitor`, or when the
 * tenant sets `monitor_all`. A user may always pick up calls ringing their own devices.
 */
export function mayMonitor(dir: DirectoryCache, targetUserId: string, p: PickerIdentity): boolean {
  if (targetUserId === '') return dir.tenant(p.customerId)?.settings.monitor_all === true;
  if (p.userId !== '' && p.userId === targetUserId) return true;
  if (dir.tenant(p.customerId)?.settings.monitor_all === true) return true;
  const target = dir.user(p.customerId, targetUserId);
  if (target === undefined) return false;
  return monitors(dir, target, p);
}

function monitors(dir: DirectoryCache, target: User, p: PickerIdentity): boolean {
  for (const who of target.monitor) {
    if (who === '*') return true;
    if (p.userId !== '' && who === p.userId) return true;
    if (dir.group(p.customerId, who) !== undefined && inGroup(dir, p, who)) return true;
  }
  return false;
}

/** pickup.md §3: a user with at least one call group or pickup group uses the named behaviour. */
export function isNamed(user: User | undefined): boolean {
  return user !== undefined && (user.call_groups.length > 0 || user.pickup_groups.length > 0);
}

/** The named behaviour of a user id ('' — a device without owner — is legacy). */
export function namedUser(dir: DirectoryCache, customerId: string, userId: string): boolean {
  return userId !== '' && isNamed(dir.user(customerId, userId));
}
