/**
 * The non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8).
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { InboundMessage, TransportError } from '../transport/types.ts';
import type { TimerSet } from './timers.ts';
import { Transaction, type TransactionEnvironment, type TransitionTable } from './transaction.ts';

/** States of the non-INVITE server transaction (RFC 3261 Figure 8). */
export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

const TRANSITIONS: TransitionTable<NonInviteServerState> = {
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

/** Construction options of a {@link NonInviteServerTransaction}. */
export interface NonInviteServerTransactionOptions {
  env: TransactionEnvironment;
  /** Timer values of the transport the request arrived on. */
  timers: TimerSet;
  /** The request as received. */
  inbound: InboundMessage & { message: SipRequest };
}

/** RFC 3261 §17.2.2. Starts in `Trying`; nothing is sent until the TU responds. */
export class NonInviteServerTransaction extends Transaction<NonInviteServerState> {
  /** Discriminant of the server transaction kinds. */
  readonly kind = 'non-invite' as const;
  /** The request that created the transaction. */
  readonly request: SipRequest;
  /** How it arrived (source, connection for responses). */
  readonly inbound: InboundMessage;
  /** The last response the TU sent. */
  lastResponse: SipResponse | undefined;
  /** Never fires for non-INVITE server transactions (no timeout edge in Figure 8); kept for symmetry. */
  onTimeout?: () => void;
  /** TU hook: the transport could not deliver a response (§17.2.4); the transaction is terminated. */
  onTransportError?: (err: TransportError) => void;

  constructor(opts: NonInviteServerTransactionOptions) {
    super(opts.env, opts.timers, 'Trying', TRANSITIONS, 'NonInviteServerTransaction');
    this.request = opts.inbound.message;
    this.inbound = opts.inbound;
  }

  /**
   * Sends a response from the TU. Returns false when discarded: §17.2.2 says any response the TU passes
   * in `Completed` MUST be discarded; the same is done after `Terminated`.
   */
  respond(res: SipResponse): boolean {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') {
      this.env.logger?.('debug', 'response-discarded', { state: this.state, status: res.status });
      return false;
    }
    this.lastResponse = res;
    const bytes = this.env.transport.sendResponse(res, this.inbound.connectionId);
    if (res.status < 200) {
      // §17.2.2: 1xx → Proceeding.
      if (this.state === 'Trying') this.transition('Proceeding');
      return true;
    }
    // §17.2.2: 200-699 → Completed, Timer J (0 on reliable → Terminated).
    this.transition('Completed');
    const ms = this.timers.J;
    this.lingerOrWait({
      state: {
        kind: 'server-non-invite',
        // not kept when J is 0 (reliable); serialized here only if the transport did not send it
        wire: ms > 0 ? (bytes ?? res.toBuffer()).toString('latin1') : '',
        connectionId: this.inbound.connectionId,
      },
      ms,
      requestToTag: this.request.toTag,
      responseToTag: res.toTag,
    });
    // Still Completed: no layer took it over, so this transaction keeps the response for 64·T1 itself.
    if (this.inState('Completed')) res.compact();
    return true;
  }

  /** A retransmission of the request matched this transaction (§17.2.2). */
  receiveRequest(): void {
    if (this.state === 'Trying' || !this.lastResponse || this.state === 'Terminated') {
      // Trying: "any further request retransmissions are discarded".
      this.metric('request-absorbed');
      return;
    }
    // Proceeding: the last provisional; Completed: the final response.
    this.metric('response-retransmitted');
    this.env.transport.sendResponse(this.lastResponse, this.inbound.connectionId);
  }

  /** §17.2.4 / Figure 8: a transport failure in `Proceeding` or `Completed` terminates; the TU is informed. */
  transportError(err: TransportError): void {
    if (this.state !== 'Proceeding' && this.state !== 'Completed') return;
    this.noteTransportError(err);
    const hook = this.onTransportError;
    this.terminateAfter('onTransportError', () => hook?.(err));
  }

  protected onRetransmitTimer(): void {}

  protected onLifetimeTimer(): void {
    if (this.state === 'Completed') this.transition('Terminated'); // Timer J
  }
}
