/**
 * The INVITE server transaction: RFC 3261 §17.2.1 (Figure 7) as amended by RFC 6026 §8.5-8.7 (a 2xx from
 * the TU moves it to `Accepted`, where retransmitted INVITEs are absorbed, ACKs go to the TU and further
 * 2xx from the TU pass through, until Timer L fires).
 */
import { createResponse } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { InboundMessage, TransportError } from '../transport/types.ts';
import { nextInterval, type TimerSet } from './timers.ts';
import { Transaction, type TransactionEnvironment, type TransitionTable } from './transaction.ts';

/** States of the INVITE server transaction (RFC 3261 Figure 7, RFC 6026 Figure 7). */
export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

const TRANSITIONS: TransitionTable<InviteServerState> = {
  Proceeding: ['Completed', 'Accepted', 'Terminated'],
  Completed: ['Confirmed', 'Terminated'],
  Confirmed: ['Terminated'],
  Accepted: ['Terminated'],
  Terminated: [],
};

/** Construction options of an {@link InviteServerTransaction}. */
export interface InviteServerTransactionOptions {
  env: TransactionEnvironment;
  /** Timer values of the transport the INVITE arrived on. */
  timers: TimerSet;
  /** The INVITE as received (Via stamped by the transport). */
  inbound: InboundMessage & { message: SipRequest };
}

/** RFC 3261 §17.2.1 + RFC 6026 §8.5-8.7. Call {@link start} once after creation. */
export class InviteServerTransaction extends Transaction<InviteServerState> {
  /** Discriminant of the server transaction kinds. */
  readonly kind = 'invite' as const;
  /** The INVITE that created the transaction. */
  readonly request: SipRequest;
  /** How it arrived (source, connection for responses). */
  readonly inbound: InboundMessage;
  /** The last response sent (by the TU or the automatic 100 Trying). */
  lastResponse: SipResponse | undefined;
  /** TU hook: Timer H fired without an ACK (§17.2.1, §17.2.4: "inform the TU"). */
  onTimeout?: () => void;
  /** TU hook: the transport could not deliver a response (§17.2.4); the state is kept (RFC 6026 Fig. 7). */
  onTransportError?: (err: TransportError) => void;

  private intervalG: number;

  constructor(opts: InviteServerTransactionOptions) {
    super(opts.env, opts.timers, 'Proceeding', TRANSITIONS, 'InviteServerTransaction');
    this.request = opts.inbound.message;
    this.inbound = opts.inbound;
    this.intervalG = opts.timers.G;
  }

  /**
   * §17.2.1: enters `Proceeding` and arms the 200 ms delay after which `100 Trying` is sent unless the TU
   * has sent a response by then.
   */
  start(): void {
    this.setRetransmitTimer(this.timers.trying);
  }

  /**
   * Sends a response from the TU. Returns false when the response is discarded: a provisional or
   * non-2xx final after a final response, or anything after `Terminated` (§17.2.1 leaves these
   * undefined; RFC 6026 §8.7 only lets 2xx through in `Accepted`).
   */
  respond(res: SipResponse): boolean {
    const status = res.status;
    switch (this.state) {
      case 'Proceeding':
        this.clearRetransmitTimer(); // no automatic 100 Trying any more
        this.send(res);
        if (status < 200) return true;
        if (status < 300) {
          // RFC 6026 §8.5: 2xx → Accepted, Timer L. The UAS core retransmits the 2xx itself: from here on
          // the transaction absorbs INVITE retransmissions and passes the ACK up.
          this.transition('Accepted');
          this.lingerOrWait({
            state: { kind: 'server-invite-accepted' },
            ms: this.timers.L,
            requestToTag: this.request.toTag,
            responseToTag: res.toTag,
          });
        } else {
          // §17.2.1: 300-699 → Completed, Timer G (unreliable only), Timer H.
          this.transition('Completed');
          if (!this.timers.reliable) this.setRetransmitTimer(this.intervalG);
          this.setLifetimeTimer(this.timers.H);
        }
        return true;
      case 'Accepted':
        // RFC 6026 §8.7: 2xx from the TU (retransmissions, other 2xx) are passed to the transport.
        if (status < 200 || status >= 300) return false;
        this.send(res);
        return true;
      default:
        this.env.logger?.('debug', 'response-discarded', { state: this.state, status });
        return false;
    }
  }

  /** A retransmission of the INVITE matched this transaction. */
  receiveRequest(): void {
    switch (this.state) {
      case 'Proceeding':
      case 'Completed':
        // §17.2.1: retransmit the most recent provisional (Proceeding) or the final (Completed) response.
        if (this.lastResponse) {
          this.metric('response-retransmitted');
          this.env.transport.sendResponse(this.lastResponse, this.inbound.connectionId);
        } else {
          this.metric('request-absorbed');
        }
        return;
      default:
        // Confirmed (§17.2.1) and Accepted (RFC 6026 §8.7): absorbed.
        this.metric('request-absorbed');
        return;
    }
  }

  /**
   * An ACK matched this transaction. Returns true when absorbed here; false when it must go to the TU
   * as the end-to-end ACK of a 2xx (`Accepted`, RFC 6026 §8.7).
   */
  receiveAck(): boolean {
    switch (this.state) {
      case 'Completed':
        // §17.2.1: ACK → Confirmed, Timer G stops, Timer I (0 on reliable → Terminated).
        this.clearTimers();
        this.transition('Confirmed');
        this.lingerOrWait({
          state: { kind: 'server-invite-confirmed' },
          ms: this.timers.I,
          requestToTag: this.request.toTag,
          responseToTag: this.lastResponse?.toTag,
        });
        return true;
      case 'Accepted':
        return false;
      default:
        // Confirmed: ACK retransmissions absorbed (§17.2.1). Proceeding: no final sent, nothing to ACK.
        this.metric('request-absorbed');
        return true;
    }
  }

  /**
   * RFC 6026 Figure 7 (replacing RFC 3261 Figure 7, whose Proceeding/Completed edges went to
   * Terminated): a failure to send a response in `Proceeding`, `Completed` or `Accepted` informs the TU
   * and keeps the state — the TU may answer another way, retransmissions and Timers H/L still run.
   * Nothing is sent in `Confirmed`, so an error there is ignored.
   */
  transportError(err: TransportError): void {
    if (this.state === 'Terminated' || this.state === 'Confirmed') return;
    this.noteTransportError(err);
    const hook = this.onTransportError;
    if (hook) this.safely('onTransportError', () => hook(err));
  }

  protected onRetransmitTimer(): void {
    if (this.state === 'Proceeding') {
      // §17.2.1: no provisional from the TU within 200 ms → 100 Trying.
      this.metric('trying-sent');
      this.send(createResponse(this.request, 100));
    } else if (this.state === 'Completed') {
      // §17.2.1: Timer G → retransmit the final response, G = min(2G, T2).
      this.metric('response-retransmitted');
      if (this.lastResponse) this.env.transport.sendResponse(this.lastResponse, this.inbound.connectionId);
      this.intervalG = nextInterval(this.intervalG, this.timers.T2);
      this.setRetransmitTimer(this.intervalG);
    }
  }

  protected onLifetimeTimer(): void {
    switch (this.state) {
      case 'Completed': {
        // §17.2.1: Timer H → Terminated; §17.2.4: inform the TU.
        this.metric('timeout');
        const hook = this.onTimeout;
        this.terminateAfter('onTimeout', () => hook?.());
        return;
      }
      case 'Confirmed': // Timer I
      case 'Accepted': // Timer L (RFC 6026 §8.7)
        this.transition('Terminated');
        return;
      default:
        return;
    }
  }

  private send(res: SipResponse): void {
    this.lastResponse = res;
    this.env.transport.sendResponse(res, this.inbound.connectionId);
  }
}
