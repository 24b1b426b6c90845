/**
 * Options and small shared types of the call engine (`CallEngine`): what it is built from and what it
 * reports. The engine is a B2BUA: every call is one caller leg (the INVITE we received) and one callee leg
 * per contact its callflow rings (through groupcalls), each with its own SIP dialog, media endpoint and
 * `Call` record (groupcall.md).
 */
import type { Call } from '../../directory/schemas/call.ts';
import type { DirectoryCache } from '../../directory/contract.ts';
import type { MediaPlane } from '../../media/types.ts';
import type { Clock } from '../../sip/clock.ts';
import type { UserAgent } from '../../sip/ua/index.ts';
import type { Store } from '../../store/types.ts';
import type { DeviceAuthenticator } from '../auth/types.ts';
import type { ActionRegistry } from '../callflow/action-registry.ts';
import type { PickupEngineOptions } from '../pickup/pickup-engine.ts';
import type { TrunkRoute } from '../groupcall/address-resolver.ts';
import type { GroupcallEvent } from '../groupcall/types.ts';
import type { PickupEvent, QueueCallSource } from '../pickup/types.ts';
import type { RegistrarLookup } from '../registrar/types.ts';

export type { Call };

/** An event of groupcall.md: `call_created`, `call_ringing`, … with the Call as `GET` returns it. */
export interface CallEvent {
  type: string;
  data: Call;
}

/**
 * Every event the call engine publishes: call events (`call_*`, data = the Call) and groupcall events
 * (`groupcall_*`, data = the Groupcall), each `{ type, data }` with data exactly as `GET` returns it, and
 * `call_pickup` (data = the pickup, `id` = the caller call). Tell them apart with {@link isGroupcallEvent}
 * and {@link isPickupEvent}.
 */
export type PbxEvent = CallEvent | GroupcallEvent | PickupEvent;

/** True for `groupcall_*` events. */
export function isGroupcallEvent(e: PbxEvent): e is GroupcallEvent {
  return e.type.startsWith('groupcall_');
}

/** True for `call_pickup`. */
export function isPickupEvent(e: PbxEvent): e is PickupEvent {
  return e.type === 'call_pickup';
}

/** Diagnostics sink: `level`, message, structured fields. Default: silent. */
export type CallLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void;

/** Options of {@link CallEngine}. */
export interface CallEngineOptions {
  ua: UserAgent;
  media: MediaPlane;
  directory: DirectoryCache;
  registrar: RegistrarLookup;
  auth: DeviceAuthenticator;
  store: Store;
  /** Timers (ring timeouts, delays, max duration): virtual in tests. */
  clock: Clock;
  /** UUID source for Call and Groupcall ids (default: time-ordered UUIDv7, `store/uuid7.ts`). */
  ids?: () => string;
  /** Wall clock in epoch ms for the `tm_*` of records (default `Date.now`). */
  now?: () => number;
  log?: CallLog;
  /** Receives every call and groupcall event (synchronously, in order; must not throw). */
  publish?: (e: PbxEvent) => void;
  /**
   * Whether a tenant's events have a listener now (e.g. the event bus's `hasSubscribers`). When it says
   * no, the engine does not build the event at all (each one copies its record). Default: always build.
   */
  wantsEvents?: (customerId: string) => boolean;
  /** Tenant of a Request-URI whose host is an IP literal (default: the calling device's tenant). */
  defaultDomain?: string;
  /** Longest conversation in ms before both sides get BYE (default 4 h). */
  maxCallDuration?: number;
  /** Ring timeout in seconds of callflow actions that do not give one (default 20). */
  ringTimeout?: number;
  /** How long call and groupcall record changes gather before they are written, ms (default 500). */
  recordWriteMs?: number;
  /** The callflow modules (default: `defaultActions()`); later issues register pickup and queue here. */
  actions?: ActionRegistry;
  /** Uniform [0, 1) for `weighted_random` ring groups (default `Math.random`). */
  random?: () => number;
  /** Queue calls for pickup (`*87<queue>`, `*87`'s third step); default: none, until queues exist. */
  queues?: QueueCallSource;
  /**
   * Overload control (`overload-guard.ts`): while it refuses, a new call gets 503 with `Retry-After` before
   * anything else is done for it. Default: never refuse.
   */
  overload?: { refuse(): boolean; readonly retryAfter: string };
  /** Each pickup of a picker that dialed in: ms from its INVITE received to its 200 OK sent (metrics). */
  onPicked?: PickupEngineOptions['onPicked'];
  /** The tenant's trunks, for `tel` destinations of API calls (default: none). */
  trunks?: (customerId: string) => Promise<readonly TrunkRoute[]>;
}

/** Live counts, for tests that assert nothing is left behind and for metrics. */
export interface CallEngineStats {
  /** Calls in progress (a caller's call, or an answered API call, until every leg it rang is done). */
  calls: number;
  /** Legs indexed by Call id. */
  legs: number;
  /** Groupcalls not yet `hangup` (nested ones included). */
  groupcalls: number;
  /** Engine timers pending (ring timeouts, delays, max durations, tones). */
  timers: number;
  /** Media endpoints the engine holds open. */
  endpoints: number;
  /** Store writes queued or running (calls and groupcalls). */
  pendingWrites: number;
}

/** `hangup_reason` values of groupcall.md that this engine produces. */
export type HangupReason = 'normal' | 'failed' | 'busy' | 'cancel' | 'timeout' | 'noanswer' | 'pickedup';
