/**
 * The vocabulary of call pickup (pickup.md): what a front door asks the engine (`PickupRequest`), the
 * scopes it names, the answers a picker can get, the `call_pickup` event, and the two seams the engine
 * works through — the calls it joins (`PickupCall`, implemented by the call engine's `CallSession`) and
 * the calls waiting in queues (`QueueCallSource`, implemented by queues in a later issue).
 */
import type { RingContext } from '../groupcall/types.ts';

/** Which front door asked (the `kind` of the `call_pickup` event). */
export type PickupKind =
  /** `group_pickup` (KAZOO): a device / user / group scope. */
  | 'group'
  /** `group_pickup_feature` with type device, user or group. */
  | 'feature'
  /** `*87<ext>`, `88<digits>`: an extension's direct calls, a ring group's or a queue's calls. */
  | 'directed'
  /** `*87` alone. */
  | 'general'
  /** `88<name>`: a named call group. */
  | 'named'
  /** `POST /v1.0/calls/{id}/pickup`. */
  | 'api';

/** In which order candidates are tried: the call that started ringing first (default), last, or any. */
export type PickupOrder = 'oldest' | 'newest' | 'random';

/**
 * One key of the pickup index: which ringing legs are in scope.
 * - `device` / `user`: legs ringing that device / the devices of that user; `directOnly`: only legs rung
 *   because of a `device`/`user` action (not as a ring-group member, not by the API).
 * - `ring_group`: legs a `ring_group` action rings (key: {@link ringGroupKey}).
 * - `call_group`: legs to devices of users that have the name in `call_groups` (when the leg started).
 * - `call`: the ringing legs of one caller call (REST pickup).
 * - `queue`: ringing agent legs, else waiting calls, of a queue (through the `QueueCallSource`).
 */
export type PickupScope =
  | { kind: 'device'; id: string; directOnly?: boolean }
  | { kind: 'user'; id: string; directOnly?: boolean }
  | { kind: 'ring_group'; key: string }
  | { kind: 'call_group'; name: string }
  | { kind: 'call'; id: string }
  | { kind: 'queue'; id: string };

/**
 * Key of a ring group in the index: the callflow holding the `ring_group` node and the group's `name`.
 * A ring group has no id of its own; two unnamed ring groups in one callflow share a key (documented).
 */
export function ringGroupKey(callflowId: string, name: string): string {
  return `${callflowId}\u001f${name}`;
}

/** Who asks: the picker's call and its device / owner user. */
export interface Picker {
  call: PickupCall;
  customerId: string;
  /** The picker's device ('' when unknown, e.g. an API picker before it answered). */
  deviceId: string;
  /** Owner of the device ('' when none). */
  userId: string;
}

/**
 * One candidate group of a request, searched in order (`*87`'s three steps are three tiers): the first
 * tier with a pickable call wins; a lost race goes on to the next candidate, in the same tier or the next.
 */
export interface PickupTier {
  scopes: readonly PickupScope[];
  /** Keeps only legs whose callee this returns true for (the named / legacy behaviour rule). */
  filter?: (leg: IndexedLeg) => boolean;
}

/** What a front door asks of the engine (pickup.md "The pickup request"). */
export interface PickupRequest {
  kind: PickupKind;
  /**
   * Denied → `403 Pickup Not Permitted`; `no_target` → `404 No Pickup Target` (the scope names nothing:
   * an empty group, an unknown extension). Checked before anything is looked up.
   */
  permission: () => 'allowed' | 'denied' | 'no_target';
  tiers: readonly PickupTier[];
  order: PickupOrder;
}

/** The answers a picker gets when there is nothing to join (pickup.md "Outcomes for the picker"). */
export const PICKUP_FAILURES = {
  not_permitted: { status: 403, reason: 'Pickup Not Permitted' },
  no_target: { status: 404, reason: 'No Pickup Target' },
  no_call: { status: 480, reason: 'No Call To Pick Up' },
} as const;

export type PickupFailure = keyof typeof PICKUP_FAILURES;

/** How a pickup ended. */
export type PickupOutcome =
  | { result: 'picked'; event: PickupEventData }
  | { result: 'failed'; failure: PickupFailure }
  /** The picker went away meanwhile. */
  | { result: 'gone' };

/** A ringing leg as the index holds it (built from an `OutboundLeg`; benchmarks may build their own). */
export interface IndexedLeg {
  /** The leg's Call id. */
  readonly id: string;
  readonly customerId: string;
  /** The caller call (`master_call_id`). */
  readonly masterCallId: string;
  /** The groupcall that dialed it (nil UUID for none). */
  readonly groupcallId: string;
  /** The device it rings ('' for a SIP URI). */
  readonly deviceId: string;
  /** That device's owner ('' for none). */
  readonly userId: string;
  readonly ring: RingContext;
  /** The owner's `call_groups` when the leg started ringing. */
  readonly callGroups: readonly string[];
}

/** One waiting or ringing call of a queue. */
export interface QueueCandidate {
  /** The caller call. */
  callId: string;
  /** The ringing agent leg, when it is one. */
  legId?: string;
  groupcallId?: string;
}

/**
 * Queue calls for pickup (`*87<queue number>`, step 3 of `*87`). Queues (a later issue) implement it;
 * ringd runs with {@link NO_QUEUES} until then. Every list is in arrival order and scoped to one tenant.
 */
export interface QueueCallSource {
  /** Calls ringing an agent of the queue (oldest first). */
  ringing(customerId: string, queueId: string): Iterable<QueueCandidate>;
  /** Calls waiting in the queue (first to enter first). */
  waiting(customerId: string, queueId: string): Iterable<QueueCandidate>;
  /** Queues the user is an agent of. */
  queuesOfAgent(customerId: string, userId: string): readonly string[];
}

/** No queues: nothing rings or waits in any. */
export const NO_QUEUES: QueueCallSource = {
  ringing: () => [],
  waiting: () => [],
  queuesOfAgent: () => [],
};

/**
 * A call as the pickup engine joins it: a picker, or a caller call it claims. Implemented by the call
 * engine's `CallSession`.
 */
export interface PickupCall {
  readonly id: string;
  readonly customerId: string;
  /** The device that placed the call, when a device did. */
  readonly callerDeviceId: string | undefined;
  /** Ringing someone, not claimed, not bridged, its caller still there: it can be claimed now. */
  readonly pickable: boolean;
  /** Still there (not hung up, not ended). */
  readonly alive: boolean;
  /** When ringd received this call's INVITE (the engine's clock, ms); undefined for a call ringd placed. */
  readonly receivedAt: number | undefined;
  /** Readies this call's leg to be answered (endpoint, record); false when the call went away. */
  prepareLeg(): Promise<boolean>;
  /** Whether this call and `caller` share a codec (ringd never transcodes). */
  canJoin(caller: PickupCall): boolean;
  /** pickup.md step 4: the atomic claim of this (caller) call for `byCallId`. */
  claimFor(byCallId: string): boolean;
  /**
   * pickup.md step 5, after `caller.claimFor(this.id)` won: answers the caller if needed and this call
   * if needed, and bridges their media. False when it cannot (then both are hung up).
   */
  joinWith(caller: PickupCall): boolean;
}

/** `data` of a `call_pickup` event. `id` is the caller call's (the call that was picked up). */
export interface PickupEventData {
  id: string;
  customer_id: string;
  /** The call that was picked up (the caller's call). */
  caller_call_id: string;
  /** The picker's call. */
  picker_call_id: string;
  /** The ringing leg whose ringing was taken over (nil UUID for a waiting queue call). */
  picked_call_id: string;
  /** Its groupcall (nil UUID for none). */
  groupcall_id: string;
  kind: PickupKind;
  picker_device_id: string;
  picker_user_id: string;
  tm_create: string;
}

/** `{ type: 'call_pickup', data }`. */
export interface PickupEvent {
  type: 'call_pickup';
  data: PickupEventData;
}
