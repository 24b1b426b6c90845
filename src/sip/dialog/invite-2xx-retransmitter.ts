import type { Clock, TimerHandle } from '../clock.ts';
import type { SipResponse } from '../message/index.ts';
import { DialogError } from './dialog-error.ts';

/** Options of {@link Invite2xxRetransmitter}. */
export interface Invite2xxRetransmitterOptions {
  /** Time source. */
  clock: Clock;
  /** The 2xx sent to the INVITE. */
  response: SipResponse;
  /** Hands the 2xx to the transport again (the same response object each time). */
  send: (res: SipResponse) => void;
  /** Called once when no ACK arrived within 64·T1; the UA then ends the dialog with BYE (§13.3.1.4). */
  onNoAck: () => void;
  /** Reliable transport (TCP, TLS…): no retransmissions, but the 64·T1 limit still applies. Default false. */
  reliable?: boolean;
  /** T1 in ms (RTT estimate). Default 500. */
  t1?: number;
  /** T2 in ms (retransmit interval cap). Default 4000. */
  t2?: number;
}

/** States of {@link Invite2xxRetransmitter}. */
export type Invite2xxRetransmitterState = 'idle' | 'waiting' | 'acked' | 'timedOut' | 'stopped';

/**
 * UAS core retransmission of a 2xx to INVITE (RFC 3261 §13.3.1.4): the 2xx is passed to the transport
 * again after T1, then with an interval doubling up to T2, until the ACK arrives ({@link ackReceived});
 * after 64·T1 without ACK it gives up and reports {@link Invite2xxRetransmitterOptions.onNoAck}.
 * The first transmission is the caller's (through the INVITE server transaction, RFC 6026); start
 * this right after it.
 *
 * Schedule with the defaults: retransmissions at 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, … 31.5 s; give up at 32 s.
 */
export class Invite2xxRetransmitter {
  private readonly clock: Clock;
  private readonly response: SipResponse;
  private readonly sendFn: (res: SipResponse) => void;
  private readonly onNoAck: () => void;
  private readonly reliable: boolean;
  private readonly t1: number;
  private readonly t2: number;
  private _state: Invite2xxRetransmitterState = 'idle';
  private interval: number;
  private retransmitTimer: TimerHandle | undefined;
  private giveUpTimer: TimerHandle | undefined;
  private _retransmissions = 0;

  constructor(opts: Invite2xxRetransmitterOptions) {
    this.clock = opts.clock;
    this.response = opts.response;
    this.sendFn = opts.send;
    this.onNoAck = opts.onNoAck;
    this.reliable = opts.reliable ?? false;
    this.t1 = opts.t1 ?? 500;
    this.t2 = opts.t2 ?? 4000;
    this.interval = this.t1;
  }

  /** Current state. */
  get state(): Invite2xxRetransmitterState {
    return this._state;
  }

  /** Number of retransmissions so far (the caller's first transmission not counted). */
  get retransmissions(): number {
    return this._retransmissions;
  }

  /**
   * Starts the timers: the give-up timer at 64·T1 and, on an unreliable transport, the first
   * retransmission at T1.
   * @throws DialogError 'bad-state' unless idle.
   */
  start(): void {
    if (this._state !== 'idle')
      throw new DialogError('bad-state', `cannot start a retransmitter that is ${this._state}`);
    this._state = 'waiting';
    // §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without receiving an
    // ACK, the dialog is confirmed, but the session SHOULD be terminated."
    this.giveUpTimer = this.clock.setTimer(64 * this.t1, () => this.giveUp());
    if (!this.reliable) this.retransmitTimer = this.clock.setTimer(this.interval, () => this.retransmit());
  }

  /**
   * The ACK for this 2xx arrived: stop retransmitting. Returns true the first time, false when
   * nothing was waiting (a retransmitted ACK, or after giving up): network input never throws here.
   */
  ackReceived(): boolean {
    if (this._state !== 'waiting') return false;
    this._state = 'acked';
    this.clearTimers();
    return true;
  }

  /** Stops without reporting anything (e.g. the dialog was torn down). Idempotent. */
  stop(): void {
    if (this._state === 'idle' || this._state === 'waiting') this._state = 'stopped';
    this.clearTimers();
  }

  private retransmit(): void {
    this.retransmitTimer = undefined;
    if (this._state !== 'waiting') return;
    this._retransmissions++;
    // §13.3.1.4: the interval starts at T1 and doubles until it reaches T2.
    this.interval = Math.min(this.interval * 2, this.t2);
    this.retransmitTimer = this.clock.setTimer(this.interval, () => this.retransmit());
    this.sendFn(this.response);
  }

  private giveUp(): void {
    this.giveUpTimer = undefined;
    if (this._state !== 'waiting') return;
    this._state = 'timedOut';
    this.clearTimers();
    this.onNoAck();
  }

  private clearTimers(): void {
    this.clock.clearTimer(this.retransmitTimer);
    this.clock.clearTimer(this.giveUpTimer);
    this.retransmitTimer = undefined;
    this.giveUpTimer = undefined;
  }
}
