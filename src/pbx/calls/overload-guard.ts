/**
 * Overload control for new calls: while SIP messages wait too long before ringd reads them, a new call (an
 * initial INVITE) is refused at once with `503 Service Unavailable` and `Retry-After` instead of being taken
 * on. Past its capacity a B2BUA that keeps accepting falls behind, every peer retransmits (T1 = 500 ms), the
 * retransmissions add work and the whole node collapses — calls already up included. Refusing the excess
 * keeps the calls it admits working; a phone or proxy that gets the 503 retries later or elsewhere (RFC 3261
 * §21.5.4). Calls in progress (in-dialog requests, responses, CANCEL, BYE) are never refused.
 *
 * The signal is the queue itself, not how busy the process looks: every `intervalMs` the guard sends a probe
 * through the SIP socket's receive queue (the transport sends a datagram to its own socket) and times how long
 * it waits there, behind the SIP traffic, before ringd reads it. ringd is overloaded while that delay has
 * stayed at least `thresholdMs` for `sustainMs` (a standing queue, as CoDel judges one), and stops refusing as
 * soon as a probe comes back faster than the threshold. A probe still outstanding counts with its age, so a
 * queue that keeps growing is seen before its probe is read.
 *
 * A blocked loop is not a standing queue. When the process stops for a while (a long synchronous task, a GC
 * pause, no core to run on) everything waits, the probe too, and the backlog is read in one go once the loop
 * runs again: refusing the calls in it would turn away calls an idle node carries easily. The guard sees the
 * stop as its own tick overdue, and counts the delay only from the moment it could look again, so a
 * refusal needs a queue observed for `sustainMs` by a running loop. A queue that outlasts the drain is still
 * refused, that much later.
 *
 * Why not the event loop's busy share: on a machine whose cores are shared (the normal case: ringd beside its
 * database, rtpengine or SIPp), time the process waits for a core counts as busy. The loop then reads 100 %
 * "busy" for whole seconds while it keeps up, and refusing then turned away calls ringd carried without a
 * single retransmission when refusing was off (bench:groupcall at 600/s).
 *
 * Nothing is probed or refused before `start()` (call it once start-up — module loading, schema
 * compilation — is over).
 */
import type { Clock, TimerHandle } from '../../sip/clock.ts';
import { createResponse, type SipRequest, type SipResponse } from '../../sip/message/index.ts';

export interface OverloadGuardOptions {
  clock: Clock;
  /**
   * Sends one probe through the receive queue of the SIP socket; `arrived` is called when ringd reads it.
   * Returns false when no probe could be sent (no socket yet, or closed).
   */
  probe: (arrived: () => void) => boolean;
  /** A probe waiting at least this long (ms) counts as a queue. */
  thresholdMs: number;
  /** Refuse once the delay has stayed at or above the threshold this long (ms; default 200). */
  sustainMs?: number;
  /** Time between probes (ms; default 100). */
  intervalMs?: number;
  /**
   * A probe outstanding this long (ms; default 1000) is given up for a new one: one dropped by a full
   * receive buffer must not hold the guard in "overloaded" for ever. Its age still counted as delay.
   */
  resendAfterMs?: number;
  /** Seconds for `Retry-After` (default 2). */
  retryAfterSeconds?: number;
  /** Told when refusing starts and stops, with the probe delay that decided it (logs). */
  onChange?: (shedding: boolean, delayMs: number) => void;
}

export class OverloadGuard {
  /** New calls refused so far. */
  refused = 0;
  /** The delay of the last probe read (ms). */
  lastDelayMs = 0;
  readonly retryAfter: string;
  private shed = false;
  private closed = false;
  private timer: TimerHandle | undefined;
  /** When the outstanding probe was sent (undefined: none outstanding). */
  private sentAt: number | undefined;
  /** Since when the delay has been at or above the threshold (undefined: it is not). */
  private aboveSince: number | undefined;
  /** When the next tick is due (a tick firing later than that found the loop blocked). */
  private dueAt = 0;
  /** When the loop last came back from being blocked: a delay is not counted from before then. */
  private resumedAt = -Infinity;
  private readonly sustainMs: number;
  private readonly intervalMs: number;
  private readonly resendAfterMs: number;

  constructor(private readonly opts: OverloadGuardOptions) {
    this.sustainMs = opts.sustainMs ?? 200;
    this.intervalMs = opts.intervalMs ?? 100;
    this.resendAfterMs = opts.resendAfterMs ?? 1000;
    this.retryAfter = String(opts.retryAfterSeconds ?? 2);
  }

  /** Starts probing now (idempotent). */
  start(): void {
    if (this.timer !== undefined || this.closed) return;
    this.tick();
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

  /** How long the outstanding probe has waited, else the last probe's delay (ms): the queue delay now. */
  get delayMs(): number {
    return this.sentAt === undefined ? this.lastDelayMs : this.opts.clock.now() - this.sentAt;
  }

  /** Stops probing (idempotent); a probe still in flight is ignored. */
  close(): void {
    this.closed = true;
    this.shed = false;
    this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.opts.clock.now();
    this.noteBlocked(now);
    this.dueAt = now + this.intervalMs;
    this.timer = this.opts.clock.setTimer(this.intervalMs, () => this.tick());
    (this.timer as { unref?: () => void }).unref?.();
    if (this.sentAt !== undefined) {
      // Still waiting: the queue is at least as old as the probe.
      const age = now - this.sentAt;
      if (age >= this.opts.thresholdMs) this.above(this.sentAt + this.opts.thresholdMs, now, age);
      if (age < this.resendAfterMs) return;
    }
    const sentAt = now;
    this.sentAt = undefined;
    if (this.opts.probe(() => this.arrived(sentAt))) this.sentAt = sentAt;
  }

  private arrived(sentAt: number): void {
    if (this.closed || sentAt !== this.sentAt) return;
    const now = this.opts.clock.now();
    this.noteBlocked(now);
    const delay = now - sentAt;
    this.sentAt = undefined;
    this.lastDelayMs = delay;
    if (delay >= this.opts.thresholdMs) {
      this.above(sentAt + this.opts.thresholdMs, now, delay);
    } else {
      this.aboveSince = undefined;
      this.set(false, delay);
    }
  }

  /**
   * The tick overdue by the threshold or more (it runs late, or a probe is read before it could run): the
   * loop was blocked until now, since its busiest iterations are far shorter.
   */
  private noteBlocked(now: number): void {
    if (now - this.dueAt >= this.opts.thresholdMs) this.resumedAt = now;
  }

  /**
   * The delay was at or above the threshold from `since` (at the latest) until `now`; time the loop spent
   * blocked does not count.
   */
  private above(since: number, now: number, delay: number): void {
    if (since < this.resumedAt) since = this.resumedAt;
    if (this.aboveSince === undefined || since < this.aboveSince) this.aboveSince = since;
    if (now - this.aboveSince >= this.sustainMs) this.set(true, delay);
  }

  private set(shed: boolean, delay: number): void {
    if (shed === this.shed) return;
    this.shed = shed;
    this.opts.onChange?.(shed, delay);
  }
}

/**
 * RFC 3261 §11.2: an OPTIONS request gets the answer an INVITE would get. While `guard` refuses new calls,
 * an out-of-dialog OPTIONS is answered `503` with the same `Retry-After`, so a load balancer that pings ringd
 * with OPTIONS (Kamailio's dispatcher, say) takes the node out of rotation until it recovers. Returns true
 * when it answered; otherwise the request goes on to its usual handler (`200 OK` with the capabilities).
 */
export function refuseOptionsWhileShedding(
  req: SipRequest,
  txn: { respond(res: SipResponse): unknown },
  guard: Pick<OverloadGuard, 'shedding' | 'retryAfter'> | undefined,
  toTag: () => string,
): boolean {
  if (req.method !== 'OPTIONS' || guard === undefined || !guard.shedding) return false;
  txn.respond(
    createResponse(req, 503, 'Service Unavailable', {
      toTag: toTag(),
      headers: [['Retry-After', guard.retryAfter]],
    }),
  );
  return true;
}
