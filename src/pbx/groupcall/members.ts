/**
 * Building members (what a groupcall rings) from directory entries: a device is its live contacts (one
 * contact → a leg, several → a nested `ring_all` groupcall of its contacts, none → unreachable), a set of
 * devices is a nested groupcall of device members. Shared by the callflow actions and the API resolver.
 */
import type { DeviceEntry, DirectoryCache } from '../../directory/contract.ts';
import type { RegistrarLookup } from '../registrar/types.ts';
import type { Failure } from './failure.ts';
import type { Address, Member, MemberOptions, NestedSpec, RingMethod } from './types.ts';

/** Where members are looked up. */
export interface MemberContext {
  directory: DirectoryCache;
  registrar: RegistrarLookup;
  customerId: string;
}

const NOT_REGISTERED: Failure = Object.freeze({ cause: 'USER_NOT_REGISTERED', sipCode: 480 });

/** An address with every field present (seed 004: never omitted). */
export function fullAddress(type: string, fields: Partial<Omit<Address, 'type'>> = {}): Address {
  return {
    type,
    target: fields.target ?? '',
    target_name: fields.target_name ?? '',
    name: fields.name ?? '',
    detail: fields.detail ?? '',
  };
}

/** `{ type: 'device', target: <id>, target_name: <sip username> }`. */
export function deviceAddress(device: DeviceEntry): Address {
  return fullAddress('device', { target: device.id, target_name: device.sipUsername });
}

/** Timing from seconds. */
export function memberOptions(ringTimeoutS: number, delayS = 0): MemberOptions {
  return { ringTimeoutMs: ringTimeoutS * 1000, delayMs: delayS * 1000 };
}

/** The contacts of a device as legs: one leg, a nested groupcall of several, or unreachable. */
export function deviceMember(
  ctx: MemberContext,
  device: DeviceEntry,
  options: MemberOptions,
  address: Address = deviceAddress(device),
): Member {
  const legs = contactLegs(ctx, device, options);
  if (legs.length === 0) return { kind: 'unreachable', address, failure: NOT_REGISTERED };
  if (legs.length === 1) return { ...legs[0], address };
  return { kind: 'nested', address, options, group: { ringMethod: 'ring_all', members: legs } };
}

/** One leg member per live contact of an enabled device. */
export function contactLegs(ctx: MemberContext, device: DeviceEntry, options: MemberOptions): Member[] {
  if (!device.enabled) return [];
  return ctx.registrar.contactsOf(ctx.customerId, device.id).map((binding) => ({
    kind: 'leg' as const,
    address: fullAddress('sip', { target: binding.contact, target_name: device.sipUsername }),
    target: { kind: 'contact' as const, device, binding },
    options,
  }));
}

/** A nested groupcall ringing `devices` (each a device member). */
export function devicesMember(
  ctx: MemberContext,
  address: Address,
  devices: readonly DeviceEntry[],
  options: MemberOptions,
  extra: Partial<NestedSpec> & { ringMethod?: RingMethod } = {},
): Member {
  const group: NestedSpec = {
    ringMethod: extra.ringMethod ?? 'ring_all',
    members: devices.map((d) => deviceMember(ctx, d, options)),
    ...(extra.ownerType !== undefined ? { ownerType: extra.ownerType, ownerId: extra.ownerId } : {}),
    ...(extra.groupId !== undefined ? { groupId: extra.groupId } : {}),
  };
  return { kind: 'nested', address, options, group };
}
