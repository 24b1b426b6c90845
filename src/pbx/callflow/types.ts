/**
 * The callflow executor's vocabulary (callflows.md "Execution"): a node, what an action returns, the call
 * an action works on (`FlowCall`, implemented by the call engine), and the action signature. Actions are
 * registered by module name (`ActionRegistry`), so later modules (pickup, queue) plug in without touching
 * the executor.
 */
import type { Callflow } from '../../directory/schemas/callflow.ts';
import type { DirectoryCache } from '../../directory/contract.ts';
import type { Failure } from '../groupcall/failure.ts';
import type { Member, RingContext, RingMethod } from '../groupcall/types.ts';
import type { PickupEngine } from '../pickup/pickup-engine.ts';
import type { RegistrarLookup } from '../registrar/types.ts';

/** A node of a callflow tree, normalized (`data` and `children` always objects). */
export interface FlowNode {
  module: string;
  data: Record<string, unknown>;
  children: Record<string, unknown>;
}

/**
 * What an action ends in: go on to a child (`key`, default `"_"`; a missing key falls back to `"_"`; no
 * `"_"` → stop), `stop` (the flow ends; an unbridged caller is hung up), or `usurp` (another part of
 * ringd owns the call now: the flow ends without hanging up). `failed` is `continue` to the child keyed by
 * the failure's cause, else `sip:<code>`, else `"_"`.
 */
export type ActionResult =
  | { kind: 'continue'; key?: string }
  | { kind: 'failed'; failure: Failure }
  | { kind: 'stop' }
  | { kind: 'usurp' };

/** What ringing (a `device` / `user` / `ring_group` action) asks of the call. */
export interface RingRequest {
  ringMethod: RingMethod;
  members: Member[];
  failOnReject?: boolean;
  ring: RingContext;
}

/** How a ring attempt ended. */
export type RingOutcome =
  | { result: 'answered' }
  | { result: 'failed'; failure: Failure }
  /** The call is gone (caller hung up, API hangup): the flow stops. */
  | { result: 'gone' }
  /** Another part of ringd took the call while it rang (pickup): the flow ends without hanging up. */
  | { result: 'usurped' };

/** A tone a `play_tone` node may play. */
export type FlowTone = 'ringback' | 'busy' | 'congestion' | 'beep' | 'failure';

/**
 * The call a flow runs on: the caller's inbound call, or an answered outbound leg (a REST groupcall's
 * `flow_id`). Implemented by the call engine; tests plug in fakes.
 */
export interface FlowCall {
  /** The call's (A leg's) Call id. */
  readonly id: string;
  readonly customerId: string;
  /** The calling device (excluded from the groups it rings), when the call came from one. */
  readonly callerDeviceId: string | undefined;
  /** `unanswered` → `answered` (ringd answered it) / `bridged` (connected to someone) → `gone`. */
  readonly status: 'unanswered' | 'answered' | 'bridged' | 'gone';
  /** The last ring failure (maps the final response of a caller left unbridged). */
  readonly lastFailure: Failure | undefined;
  /** Rings members as a groupcall whose master call is this one; resolves on answer (bridged) or failure. */
  ring(req: RingRequest): Promise<RingOutcome>;
  /** Answers the call (ringd's own media) if not yet; false when it cannot be answered (gone). */
  answer(): Promise<boolean>;
  /** Plays a tone to the call for `ms` (answering it first). */
  play(tone: FlowTone, ms: number): Promise<void>;
  /** Ends the call: a final response (`code`, default from `lastFailure`) when unanswered, else BYE. */
  hangup(code?: number, reason?: string): void;
}

/** What actions may look up. */
export interface FlowEnv {
  directory: DirectoryCache;
  registrar: RegistrarLookup;
  /** Ring timeout (s) of actions whose data gives none (default 20). */
  ringTimeoutS: number;
  /** Uniform [0, 1) (weighted_random): injected so tests are deterministic. */
  random: () => number;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void;
  /** Call pickup (pickup.md), for the pickup actions; absent: they answer 480 as placeholders. */
  pickup?: PickupEngine;
}

/** What one action run gets. */
export interface ActionContext {
  call: FlowCall;
  node: FlowNode;
  /** The callflow being run (the innermost one for sub-flows). */
  callflow: Callflow;
  /** The winning capture of the match (patterns), else the dialed number. */
  capture: string;
  env: FlowEnv;
  /** Runs another callflow (the `callflow` action); bounded nesting. */
  runCallflow(id: string): Promise<FlowEnd>;
}

/** One module's behaviour. May throw: the executor logs it and goes on to `"_"`. */
export type Action = (ctx: ActionContext) => Promise<ActionResult>;

/** How a flow (or sub-flow) ended. */
export type FlowEnd = 'stop' | 'usurp' | 'aborted';
