/**
 * Stored rows → API resources (`schemas/`): secrets dropped (HA1s, trunk passwords, key hashes), settings
 * completed with their defaults. Also the call engine's `DeviceEntry`.
 */
import type {
  AccessKeyRow,
  AgentRow,
  CallRow,
  CallflowRow,
  CustomerRow,
  DeviceRow,
  GroupRow,
  GroupcallRow,
  QueueRow,
  TrunkRow,
  UserRow,
} from '../store/rows.ts';
import type { DeviceEntry } from './contract.ts';
import type * as S from './schemas/index.ts';
import { DEFAULT_CUSTOMER_SETTINGS } from './schemas/customer.ts';

const meta = (r: {
  id: string;
  customer_id: string;
  tm_create: string;
  tm_update: string;
  tm_delete: string;
}) => ({
  id: r.id,
  customer_id: r.customer_id,
  tm_create: r.tm_create,
  tm_update: r.tm_update,
  tm_delete: r.tm_delete,
});

export function toCustomer(r: CustomerRow): S.Customer {
  return {
    id: r.id,
    name: r.name,
    domain: r.domain,
    settings: { ...DEFAULT_CUSTOMER_SETTINGS, ...(r.settings as Partial<S.CustomerSettings>) },
    tm_create: r.tm_create,
    tm_update: r.tm_update,
    tm_delete: r.tm_delete,
  };
}

export function toAccessKey(r: AccessKeyRow): S.AccessKey {
  return { ...meta(r), name: r.name, role: r.role, key_prefix: r.key_prefix };
}

export function toUser(r: UserRow): S.User {
  return {
    ...meta(r),
    name: r.name,
    call_groups: [...r.call_groups],
    pickup_groups: [...r.pickup_groups],
    monitor: [...r.monitor],
  };
}

export function toDevice(r: DeviceRow): S.Device {
  return { ...meta(r), name: r.name, owner_id: r.owner_id, sip_username: r.sip_username, enabled: r.enabled };
}

export function toDeviceEntry(r: DeviceRow): DeviceEntry {
  return {
    id: r.id,
    customerId: r.customer_id,
    ownerId: r.owner_id,
    sipUsername: r.sip_username,
    ha1Md5: r.ha1_md5,
    ha1Sha256: r.ha1_sha256,
    enabled: r.enabled,
  };
}

export function toGroup(r: GroupRow): S.Group {
  return { ...meta(r), name: r.name, endpoints: structuredClone(r.endpoints) };
}

export function toCallflow(r: CallflowRow): S.Callflow {
  return {
    ...meta(r),
    name: r.name,
    numbers: [...r.numbers],
    patterns: [...r.patterns],
    flow: structuredClone(r.flow) as unknown as Record<string, unknown>,
    feature_code: r.feature_code,
  };
}

export function toAgent(r: AgentRow): S.Agent {
  return {
    ...meta(r),
    name: r.name,
    owner_id: r.owner_id,
    addresses: r.addresses.map((a) => ({ ...a })),
    ring_method: r.ring_method,
    status: r.status,
  };
}

export function toQueue(r: QueueRow): S.Queue {
  return {
    ...meta(r),
    name: r.name,
    agent_ids: [...r.agent_ids],
    strategy: r.strategy,
    ring_timeout: r.ring_timeout,
    wait_timeout: r.wait_timeout,
    music: r.music,
  };
}

export function toTrunk(r: TrunkRow): S.Trunk {
  return { ...meta(r), name: r.name, uri: r.uri, username: r.username, prefixes: [...r.prefixes] };
}

export function toGroupcall(r: GroupcallRow): S.Groupcall {
  return structuredClone(r);
}

export function toCall(r: CallRow): S.Call {
  return structuredClone(r);
}

/** Freezes an object graph (cached values are shared with every reader). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
