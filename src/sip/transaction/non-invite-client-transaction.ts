/**
 * The non-INVITE client transaction: RFC 3261 §17.1.2 (Figure 6).
 */
import type { Endpoint, SipRequest, SipResponse } from '../message/index.ts';
import type { TransportError } from '../transport/types.ts';
import type { ClientTransactionListener } from './client-listener.ts';
import { nextInterval, type TimerSet } from './timers.ts';
import { Transaction, type TransactionEnvironment, type TransitionTable } from './transaction.ts';

/** States of the non-INVITE client transaction (RFC 3261 Figure 6). */
export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

const TRANSITIONS: TransitionTable<NonInviteClientState> = {
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

/** Construction options of a {@link NonInviteClientTransaction}. */
export interface NonInviteClientTransactionOptions {
  env: TransactionEnvironment;
  /** Timer values of the destination's transport kind. */
  timers: TimerSet;
  /** The request (not INVITE, not ACK), top Via with its branch already in place. */
  request: SipRequest;
  destination: Endpoint;
  listener: ClientTransactionListener;
}

/** The listener of a completed transaction whose TU wants nothing more. */
const ABSORBED: ClientTransactionListener = { onFinal() {} };

/** RFC 3261 §17.1.2. Call {@link start} once to send the request. */
export class NonInviteClientTransaction extends Transaction<NonInviteClientState> {
  /** Discriminant of the client transaction kinds. */
  readonly kind = 'non-invite' as const;
  readonly request: SipRequest;
  readonly destination: Endpoint;

  private listener: ClientTransactionListener;
  private intervalE: number;

  constructor(opts: NonInviteClientTransactionOptions) {
    super(opts.env, opts.timers, 'Trying', TRANSITIONS, 'NonInviteClientTransaction');
    this.request = opts.request;
    this.destination = opts.destination;
    this.listener = opts.listener;
    this.intervalE = opts.timers.E;
  }

  /** §17.1.2.2: enters `Trying`, sends the request, starts Timer E (unreliable only) and Timer F. */
  start(): void {
    this.env.transport.sendRequest(this.request, this.destination);
    if (!this.timers.reliable) this.setRetransmitTimer(this.intervalE);
    this.setLifetimeTimer(this.timers.F);
  }

  /** A response whose branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(res: SipResponse): void {
    switch (this.state) {
      case 'Trying':
      case 'Proceeding':
        if (res.status < 200) {
          // §17.1.2.2: 1xx → Proceeding (Timer E keeps running, next interval T2), pass it up.
          if (this.state === 'Trying') this.transition('Proceeding');
          this.safely('onProvisional', () => this.listener.onProvisional?.(res));
        } else {
          // §17.1.2.2: 200-699 → Completed, pass it up, Timer K (0 on reliable → Terminated).
          this.clearTimers();
          this.transition('Completed');
          this.safely('onFinal', () => this.listener.onFinal(res));
          if (!this.inState('Completed')) return;
          // Nothing more reaches the TU in Completed but onTerminated: let go of the rest (Timer K).
          if (this.listener.onTerminated === undefined) this.listener = ABSORBED;
          this.lingerOrWait({
            state: { kind: 'client-non-invite' },
            ms: this.timers.K,
            requestToTag: undefined,
            responseToTag: undefined,
          });
        }
        return;
      default:
        // Completed: §17.1.2.2 buffers (absorbs) response retransmissions.
        this.metric('response-absorbed');
        return;
    }
  }

  /** §17.1.4 / Figure 6: a transport failure in `Trying` or `Proceeding` terminates and informs the TU. */
  transportError(err: TransportError): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.noteTransportError(err);
    this.terminateAfter('onTransportError', () => this.listener.onTransportError?.(err));
  }

  protected onRetransmitTimer(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    // §17.1.2.2: Timer E → retransmit; Trying: min(2E, T2); Proceeding: T2.
    this.metric('request-retransmitted');
    this.env.transport.sendRequest(this.request, this.destination);
    this.intervalE = this.state === 'Trying' ? nextInterval(this.intervalE, this.timers.T2) : this.timers.T2;
    this.setRetransmitTimer(this.intervalE);
  }

  protected onLifetimeTimer(): void {
    if (this.state === 'Trying' || this.state === 'Proceeding') {
      // §17.1.2.2: Timer F → Terminated, inform the TU of the timeout.
      this.metric('timeout');
      this.terminateAfter('onTimeout', () => this.listener.onTimeout?.());
    } else if (this.state === 'Completed') {
      this.transition('Terminated'); // Timer K
    }
  }

  protected override afterTerminated(): void {
    const hook = this.listener.onTerminated;
    if (hook) this.safely('onTerminated', () => hook.call(this.listener));
  }
}
