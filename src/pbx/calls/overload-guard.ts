/**
 * Overload control for new calls: when ringd's event loop has been busy nearly all of the last window, a new
 * call (an initial INVITE) is refused at once with `503 Service Unavailable` and `Retry-After` instead of being
 * taken on. Past its capacity a B2BUA that keeps accepting falls behind, every peer retransmits (T1 = 500 ms),
 * the retransmissions add work and the whole node collapses — calls already up included. Refusing the excess
 * keeps the calls it admits working; a phone or proxy that gets the 503 retries later or elsewhere (RFC 3261
 * §21.5.4). Calls in progress (in-dialog requests, responses, CANCEL, BYE) are never refused.
 *
 * The signal is the share of the last window the loop spent busy (Node's event-loop utilization, sampled by a
 * timer on the injected clock): unlike timer lag, it reaches 1 when the loop saturates even while each
 * iteration stays short. Windows are back to back; the decision of one window holds for the next. Nothing
 * is refused before `start()` (call it once start-up — module loading, schema compilation — is over, or its
 * busy second would refuse the first calls).
 */
import type { Clock, TimerHandle } from '../../sip/clock.ts';

export interface OverloadGuardOptions {
  clock: Clock;
  /** Busy share of the loop since the previous call (0–1); the first call starts the first window. */
  busySinceLastSample: () => number;
  /** Refuse new calls while the last window's busy share is at least this (0–1; ≥ 1.01 never). */
  threshold: number;
  /** Window length in ms (default 1000). */
  windowMs?: number;
  /** Seconds for `Retry-After` (default 2). */
  retryAfterSeconds?: number;
  /** Told when refusing starts and stops (logs). */
  onChange?: (shedding: boolean, busy: number) => void;
}

export class OverloadGuard {
  /** New calls refused so far. */
  refused = 0;
  /** The busy share of the last complete window. */
  lastBusy = 0;
  readonly retryAfter: string;
  private shed = false;
  private closed = false;
  private timer: TimerHandle | undefined;
  private readonly windowMs: number;

  constructor(private readonly opts: OverloadGuardOptions) {
    this.windowMs = opts.windowMs ?? 1000;
    this.retryAfter = String(opts.retryAfterSeconds ?? 2);
  }

  /** Starts the first window now (idempotent). */
  start(): void {
    if (this.timer !== undefined || this.closed) return;
    this.opts.busySinceLastSample();
    this.arm();
  }

  /** Whether a new call must be refused now (counts it when so). */
  refuse(): boolean {
    if (!this.shed) return false;
    this.refused++;
    return true;
  }

  /** Refusing new calls now. */
  get shedding(): boolean {
    return this.shed;
  }

  /** Stops sampling (idempotent). */
  close(): void {
    this.closed = true;
    this.shed = false;
    this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = this.opts.clock.setTimer(this.windowMs, () => {
      const busy = this.opts.busySinceLastSample();
      this.lastBusy = busy;
      const shed = busy >= this.opts.threshold;
      if (shed !== this.shed) {
        this.shed = shed;
        this.opts.onChange?.(shed, busy);
      }
      this.arm();
    });
    (this.timer as { unref?: () => void }).unref?.();
  }
}
