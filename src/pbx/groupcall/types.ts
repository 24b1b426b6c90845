/**
 * The vocabulary of the groupcall engine (groupcall.md, seed 004): the record, its events, what a groupcall
 * rings (members), and the small interfaces it uses — a `LegDialer` to place SIP legs (implemented by the
 * call engine), a `GroupcallParent` it reports to (a parent groupcall, or the call / API request that owns
 * it), and timers on the injected clock.
 */
import type { DeviceEntry } from '../../directory/contract.ts';
import type { Address } from '../../directory/schemas/common.ts';
import type { Groupcall as GroupcallRecord } from '../../directory/schemas/groupcall.ts';
import type { TimerHandle } from '../../sip/clock.ts';
import type { Binding } from '../registrar/types.ts';
import type { Failure } from './failure.ts';

export type { GroupcallRecord, Address };

/** `status` of a groupcall: `progressing` → `hangingup` → `hangup` (final). */
export type GroupcallStatus = 'progressing' | 'hangingup' | 'hangup';

/** `ring_method`: everyone at once, or one after the other. */
export type RingMethod = 'ring_all' | 'linear';

/** The four groupcall events of groupcall.md. */
export type GroupcallEventType =
  'groupcall_created' | 'groupcall_progressing' | 'groupcall_hangup' | 'groupcall_deleted';

/** `{ type, data }` with the groupcall exactly as `GET /v1.0/groupcalls/{id}` returns it. */
export interface GroupcallEvent {
  type: GroupcallEventType;
  data: GroupcallRecord;
}

/**
 * Why a leg rings (pickup.md "Ringing leg"): `direct` (a `device`/`user` action, an extension),
 * `ring_group` (a `ring_group` action), `groupcall` (the API). Kept on every leg for the pickup index.
 */
export interface RingContext {
  why: 'direct' | 'ring_group' | 'groupcall';
  /** The ring group's `name` (ring_group only; '' when unnamed). */
  ringGroupName?: string;
  /** The callflow whose action rings (callflow-created groupcalls). */
  callflowId?: string;
  /** The directory group the device was reached through (a `group` member). */
  groupId?: string;
}

/** Where one leg goes: a registered contact of a device, or a SIP URI (a `sip` address, or a trunk). */
export type DialTarget =
  { kind: 'contact'; device: DeviceEntry; binding: Binding } | { kind: 'uri'; uri: string };

/** Per-member timing. */
export interface MemberOptions {
  /** Wait this long before dialing (ring_group `delay`). */
  delayMs: number;
  /** CANCEL the leg(s) when unanswered this long. */
  ringTimeoutMs: number;
}

/**
 * One destination, resolved: a leg to dial, a nested groupcall, or a destination known to be unreachable
 * (no registration), which fails at once without a leg.
 */
export type Member =
  | { kind: 'leg'; address: Address; target: DialTarget; options: MemberOptions }
  | { kind: 'nested'; address: Address; group: NestedSpec; options: MemberOptions }
  | { kind: 'unreachable'; address: Address; failure: Failure };

/** What a (nested) groupcall rings and how. `destinations` of its record are the members' addresses. */
export interface NestedSpec {
  ringMethod: RingMethod;
  members: Member[];
  /** `agent` for an agent's groupcall, else ''. */
  ownerType?: string;
  ownerId?: string;
  /** A directory group this groupcall rings (carried to its legs for pickup). */
  groupId?: string;
}

/** A top-level groupcall. */
export interface GroupcallSpec extends NestedSpec {
  customerId: string;
  source: Address;
  /** Callflow run on the answered leg (REST groupcalls). */
  flowId?: string;
  /** The caller call this groupcall rings for (ring groups, `device`/`user` actions). */
  masterCallId?: string;
  /** `fail_on_single_reject`: the first busy/decline of any member ends the whole groupcall. */
  failOnReject?: boolean;
  ring: RingContext;
}

/** What the groupcall asks a leg's dialer for. */
export interface DialRequest {
  /** The leg's Call id (already in the groupcall's `call_ids`). */
  id: string;
  groupcallId: string;
  target: DialTarget;
  /** The destination as the groupcall lists it. */
  address: Address;
  ringTimeoutMs: number;
  ring: RingContext;
}

/** A dialed leg, as the groupcall sees it. */
export interface LegHandle {
  readonly id: string;
  /** Stops a leg that has not answered (CANCEL, or nothing when not sent yet); reports `ended` at once. */
  cancel(failure: Failure, headers?: Array<[string, string]>): void;
  /** Ends the leg whatever its state: BYE when answered (its conversation ends too), else `cancel`. */
  hangup(): void;
}

/** What a leg reports to the groupcall that dialed it. */
export interface LegListener {
  /** A provisional response (180/183). */
  progress(leg: LegHandle): void;
  /**
   * A usable 2xx: may this leg win? Synchronous, so the claim is atomic; false → the leg is sent BYE.
   * When true, the owner of the top-level groupcall has connected the leg before this returns.
   */
  answered(leg: LegHandle): boolean;
  /**
   * The leg is out (once): with a failure when it did not win (failed, cancelled, lost the race), without
   * one when it won and its conversation is over.
   */
  ended(leg: LegHandle, failure: Failure | undefined): void;
}

/** Places legs. Implemented by the call engine, one per owner (it knows From, codecs, master call). */
export interface LegDialer {
  dial(req: DialRequest, listener: LegListener): LegHandle;
}

/** The `Groupcall` a parent sees: only what it needs. */
export interface GroupcallChild {
  readonly record: GroupcallRecord;
}

/**
 * What a groupcall reports to: its parent groupcall, or for a top-level one, its owner (the caller's call,
 * or the API request). The claim is in two steps, both synchronous: `claimable` asks every level up to
 * the owner (nobody answered yet, the caller is still there, no pickup claimed it), then `commit` records
 * the answer at every level, bottom-up, and the owner connects the winning leg.
 */
export interface GroupcallParent {
  progress(child: GroupcallChild): void;
  claimable(child: GroupcallChild): boolean;
  commit(child: GroupcallChild, legId: string): void;
  /** The child ended: with a failure when nobody answered, without one after an answered conversation. */
  ended(child: GroupcallChild, failure: Failure | undefined): void;
}

/** Timers on the injected clock (the call engine's counted timers fit). */
export interface GroupcallTimers {
  set(ms: number, fn: () => void): TimerHandle;
  clear(handle: TimerHandle | undefined): undefined;
}

/** Diagnostics sink, as the call engine's. */
export type GroupcallLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void;
