/**
 * What the four transaction state machines of RFC 3261 §17 share: the injected effects (clock, sender,
 * metrics, logger), one transition guard over a table of legal moves, and two timer slots (a
 * retransmission timer: A, E, G or the 100 Trying delay; a lifetime timer: B, D, F, H, I, J, K, L, M).
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { TransportError, TransportLayer } from '../transport/types.ts';
import type { TimerSet } from './timers.ts';
import type { LingerOffer } from './lingering.ts';

/** Names of the counters a {@link TransactionEnvironment.metrics} hook receives (string literals: no allocation). */
export type TransactionMetric =
  | 'client-created'
  | 'server-created'
  | 'request-retransmitted'
  | 'response-retransmitted'
  | 'request-absorbed'
  | 'response-absorbed'
  | 'trying-sent'
  | 'ack-sent'
  | 'timeout'
  | 'transport-error'
  | 'terminated'
  | 'stray-response'
  | 'ack-to-user'
  | 'cancel-unmatched';

/** Severity of a {@link TransactionLogger} event. */
export type TransactionLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Optional logging hook: `event` is a stable kebab-case name, `data` a small record of details. */
export type TransactionLogger = (
  level: TransactionLogLevel,
  event: string,
  data?: Record<string, unknown>,
) => void;

/** The part of the {@link TransportLayer} a transaction sends through. */
export type TransactionSender = Pick<TransportLayer, 'sendRequest' | 'sendResponse'>;

/** Effects injected into every transaction (shared by all transactions of one layer). */
export interface TransactionEnvironment {
  /** Virtual or real time; the only source of timers. */
  readonly clock: Clock;
  /** Where requests, ACKs and responses go. */
  readonly transport: TransactionSender;
  /** Live number of armed transaction timers (read by `TransactionLayer.stats()`). */
  readonly counters: { timers: number };
  /** Optional counter hook. */
  readonly metrics?: (metric: TransactionMetric) => void;
  /** Optional logger. */
  readonly logger?: TransactionLogger;
  /**
   * The layer's offer to take over a transaction that only absorbs retransmissions from now on
   * (`lingering.ts`): returns true when it did; the transaction then terminates at once instead of
   * arming its timer. Absent for a transaction used on its own.
   */
  readonly linger?: (txn: Transaction<string>, offer: LingerOffer) => boolean;
}

/** Creates a standalone environment (for tests or a custom layer). */
export function transactionEnvironment(
  clock: Clock,
  transport: TransactionSender,
  extra?: { metrics?: (m: TransactionMetric) => void; logger?: TransactionLogger },
): TransactionEnvironment {
  return { clock, transport, counters: { timers: 0 }, metrics: extra?.metrics, logger: extra?.logger };
}

/** Thrown by the transition guard when a state machine is asked to make a move its diagram does not have. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${machine}: illegal transition ${from} -> ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Legal moves of a state machine: for each state, the states it may go to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/** Whoever indexes transactions (the layer): told once when one terminates, to drop it from its maps. */
export interface TransactionOwner {
  detach(txn: Transaction<string>): void;
}

/** Every transaction state machine ends in this state. */
export type TerminatedState = 'Terminated';

/**
 * Base of the four transaction state machines. Subclasses implement the diagram; this class owns the
 * state, the guard, the timers and the termination protocol.
 */
export abstract class Transaction<S extends string> {
  /** TU hook: called once when the transaction reaches `Terminated`. */
  onTerminated?: () => void;
  /** @internal The layer indexing this transaction; told once when it terminates. */
  owner: TransactionOwner | undefined;
  /** @internal The owner's index key for this transaction. */
  ownerKey = '';

  private current: S;
  private retransmitHandle: TimerHandle | undefined;
  private lifetimeHandle: TimerHandle | undefined;

  protected constructor(
    protected readonly env: TransactionEnvironment,
    /** The timer values of this transaction's transport kind. */
    readonly timers: TimerSet,
    initial: S,
    private readonly table: TransitionTable<S>,
    private readonly machine: string,
  ) {
    this.current = initial;
  }

  /** Current state (RFC 3261 / RFC 6026 state name). */
  get state(): S {
    return this.current;
  }

  /** Whether the transaction reached `Terminated`. */
  get terminated(): boolean {
    return this.current === 'Terminated';
  }

  /** Whether the machine is in `s` now (not narrowed by the compiler across callbacks). */
  protected inState(s: S): boolean {
    return this.current === s;
  }

  /**
   * Informs the TU first, then terminates (so `onTerminated` is always the last callback). Tolerates a
   * TU that disposed the transaction from inside the callback.
   */
  protected terminateAfter(what: string, notify: () => void): void {
    this.safely(what, notify);
    if (this.current !== 'Terminated') this.transition('Terminated' as S);
  }

  /** The transition guard: moves to `to` or throws {@link IllegalTransitionError}. */
  protected transition(to: S): void {
    const from = this.current;
    if (!this.table[from].includes(to)) throw new IllegalTransitionError(this.machine, from, to);
    this.current = to;
    if (to === 'Terminated') this.finish();
  }

  /**
   * Stops the transaction without TU callbacks (layer `close()`): clears timers and detaches. No-op
   * when already terminated.
   */
  dispose(): void {
    if (this.current === 'Terminated') return;
    this.current = 'Terminated' as S;
    this.clearTimers();
    this.owner?.detach(this);
  }

  private fireRetransmit(): void {
    this.retransmitHandle = undefined;
    this.env.counters.timers--;
    try {
      this.onRetransmitTimer();
    } catch (err) {
      this.env.logger?.('error', 'transaction-timer-failed', { machine: this.machine, err });
    }
  }

  private fireLifetime(): void {
    this.lifetimeHandle = undefined;
    this.env.counters.timers--;
    try {
      this.onLifetimeTimer();
    } catch (err) {
      this.env.logger?.('error', 'transaction-timer-failed', { machine: this.machine, err });
    }
  }

  /** Called when the retransmission timer fires. */
  protected abstract onRetransmitTimer(): void;
  /** Called when the lifetime timer fires. */
  protected abstract onLifetimeTimer(): void;

  /**
   * Enters the absorbing part of a state: handed over to the layer when it takes it (then Terminated), else
   * `ms` on this transaction's own lifetime timer. `ms` 0 terminates at once.
   */
  protected lingerOrWait(offer: LingerOffer): void {
    if (offer.ms <= 0) {
      this.transition('Terminated' as S);
      return;
    }
    if (this.env.linger?.(this, offer) === true) {
      this.transition('Terminated' as S);
      return;
    }
    this.setLifetimeTimer(offer.ms);
  }

  /** Arms (or re-arms) the retransmission timer. */
  protected setRetransmitTimer(ms: number): void {
    this.clearRetransmitTimer();
    // (an inline closure rather than a per-instance bound field: cheaper when tsx/esbuild keep names)
    this.retransmitHandle = this.env.clock.setTimer(ms, () => this.fireRetransmit());
    this.env.counters.timers++;
  }

  /** Arms (or re-arms) the lifetime timer. */
  protected setLifetimeTimer(ms: number): void {
    this.clearLifetimeTimer();
    this.lifetimeHandle = this.env.clock.setTimer(ms, () => this.fireLifetime());
    this.env.counters.timers++;
  }

  protected clearRetransmitTimer(): void {
    if (this.retransmitHandle === undefined) return;
    this.env.clock.clearTimer(this.retransmitHandle);
    this.retransmitHandle = undefined;
    this.env.counters.timers--;
  }

  protected clearLifetimeTimer(): void {
    if (this.lifetimeHandle === undefined) return;
    this.env.clock.clearTimer(this.lifetimeHandle);
    this.lifetimeHandle = undefined;
    this.env.counters.timers--;
  }

  protected clearTimers(): void {
    this.clearRetransmitTimer();
    this.clearLifetimeTimer();
  }

  protected metric(m: TransactionMetric): void {
    this.env.metrics?.(m);
  }

  /** Runs TU code; an exception from the TU is logged, never propagated into the state machine. */
  protected safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.env.logger?.('error', 'transaction-callback-threw', { machine: this.machine, what, err });
    }
  }

  /** Logs a transport error that this transaction reacts to. */
  protected noteTransportError(err: TransportError): void {
    this.metric('transport-error');
    this.env.logger?.('warn', 'transaction-transport-error', {
      machine: this.machine,
      state: this.current,
      cause: err.cause.message,
    });
  }

  private finish(): void {
    this.clearTimers();
    this.metric('terminated');
    this.owner?.detach(this);
    const hook = this.onTerminated;
    if (hook) this.safely('onTerminated', hook);
    this.afterTerminated();
  }

  /** Subclass hook run after the generic termination (e.g. notify a listener). */
  protected afterTerminated(): void {}
}
