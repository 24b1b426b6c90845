/**
 * Options and small shared types of the call engine (`CallEngine`): what it is built from and what it
 * reports. The engine is a B2BUA: every call is one caller leg (the INVITE we received) and one callee leg
 * per contact we ring, each with its own SIP dialog, media endpoint and `Call` record (groupcall.md).
 */
import type { Call } from '../../directory/schemas/call.ts';
import type { DirectoryCache } from '../../directory/contract.ts';
import type { MediaPlane } from '../../media/types.ts';
import type { Clock } from '../../sip/clock.ts';
import type { UserAgent } from '../../sip/ua/index.ts';
import type { Store } from '../../store/types.ts';
import type { DeviceAuthenticator } from '../auth/types.ts';
import type { RegistrarLookup } from '../registrar/types.ts';

export type { Call };

/** An event of groupcall.md: `call_created`, `call_ringing`, … with the Call as `GET` returns it. */
export interface CallEvent {
  type: string;
  data: Call;
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
  /** Timers (ring timeout, max duration, guards): virtual in tests. */
  clock: Clock;
  /** UUID source for Call ids (default `crypto.randomUUID`). */
  ids?: () => string;
  /** Wall clock in epoch ms for the `tm_*` of records (default `Date.now`). */
  now?: () => number;
  log?: CallLog;
  publish?: (e: CallEvent) => void;
  /** Tenant of a Request-URI whose host is an IP literal (default: the calling device's tenant). */
  defaultDomain?: string;
  /** Longest conversation in ms before both sides get BYE (default 4 h). */
  maxCallDuration?: number;
  /** Ring timeout in seconds when the callflow does not give one (default 20). */
  ringTimeout?: number;
}

/** Live counts, for tests that assert nothing is left behind and for metrics. */
export interface CallEngineStats {
  /** Calls in progress (a caller leg and its callee legs). */
  calls: number;
  /** Legs indexed by Call id. */
  legs: number;
  /** Engine timers pending (ring timeouts, max durations). */
  timers: number;
  /** Media endpoints the engine holds open. */
  endpoints: number;
  /** Store writes queued or running. */
  pendingWrites: number;
}

/** `hangup_reason` values of groupcall.md that this engine produces. */
export type HangupReason = 'normal' | 'failed' | 'busy' | 'cancel' | 'timeout' | 'noanswer';
