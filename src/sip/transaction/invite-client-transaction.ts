/**
 * The INVITE client transaction: RFC 3261 §17.1.1 (Figure 5) as amended by RFC 6026 §8.4 (Figure 5
 * replaced: a 2xx moves the transaction to `Accepted`, where every further 2xx is passed to the TU until
 * Timer M fires).
 */
import type { Endpoint, SipRequest, SipResponse } from '../message/index.ts';
import type { TransportError } from '../transport/types.ts';
import type { ClientTransactionListener } from './client-listener.ts';
import { buildCancel, buildNon2xxAck } from './requests.ts';
import { nextInterval, type TimerSet } from './timers.ts';
import { Transaction, type TransactionEnvironment, type TransitionTable } from './transaction.ts';

/** States of the INVITE client transaction (RFC 3261 Figure 5, RFC 6026 Figure 5). */
export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

const TRANSITIONS: TransitionTable<InviteClientState> = {
  Calling: ['Proceeding', 'Completed', 'Accepted', 'Terminated'],
  Proceeding: ['Completed', 'Accepted', 'Terminated'],
  Completed: ['Terminated'],
  Accepted: ['Terminated'],
  Terminated: [],
};

/** Construction options of an {@link InviteClientTransaction}. */
export interface InviteClientTransactionOptions {
  env: TransactionEnvironment;
  /** Timer values of the destination's transport kind. */
  timers: TimerSet;
  /** The INVITE, top Via (with its branch) already in place. */
  request: SipRequest;
  /** Where the INVITE (and the ACK for non-2xx) is sent. */
  destination: Endpoint;
  listener: ClientTransactionListener;
  /** Sends a CANCEL in its own non-INVITE client transaction (wired by the layer, §9.1). */
  sendCancel: (cancel: SipRequest, destination: Endpoint) => void;
}

/** RFC 3261 §17.1.1 + RFC 6026 §8.4. Call {@link start} once to send the INVITE. */
export class InviteClientTransaction extends Transaction<InviteClientState> {
  /** Discriminant of the client transaction kinds. */
  readonly kind = 'invite' as const;
  /** The INVITE. */
  readonly request: SipRequest;
  /** Where it is sent. */
  readonly destination: Endpoint;
  /** The ACK sent for the non-2xx final response, once sent. */
  ack: SipRequest | undefined;
  /** The ACK's bytes as last sent (kept by a lingering record instead of the message). */
  private ackBytes: Buffer | undefined;

  private readonly listener: ClientTransactionListener;
  private readonly sendCancel: (cancel: SipRequest, destination: Endpoint) => void;
  private intervalA: number;
  private cancelState: 'none' | 'pending' | 'sent' = 'none';
  /** Extra header fields for the CANCEL, kept while it is held back (`pending`). */
  private cancelHeaders: ReadonlyArray<readonly [string, string]> | undefined;

  constructor(opts: InviteClientTransactionOptions) {
    super(opts.env, opts.timers, 'Calling', TRANSITIONS, 'InviteClientTransaction');
    this.request = opts.request;
    this.destination = opts.destination;
    this.listener = opts.listener;
    this.sendCancel = opts.sendCancel;
    this.intervalA = opts.timers.A;
  }

  /**
   * §17.1.1.2: enters `Calling`, passes the INVITE to the transport, starts Timer A (unreliable
   * transports only) and Timer B.
   */
  start(): void {
    this.env.transport.sendRequest(this.request, this.destination);
    if (!this.timers.reliable) this.setRetransmitTimer(this.intervalA);
    this.setLifetimeTimer(this.timers.B);
  }

  /**
   * The INVITE as sent (its Via included), as one latin1 string: what a TU keeps through Timer M instead of
   * the message object graph. Serialized when asked — once per answered INVITE — rather than keeping the
   * sent bytes while it rings: a small Buffer cut from Node's shared slab would keep 8 KiB alive that long.
   */
  requestWire(): string {
    return this.request.toBuffer().toString('latin1');
  }

  /** A response whose branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(res: SipResponse): void {
    const status = res.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (status < 200) {
          // §17.1.1.2: 1xx → Proceeding, stop retransmitting, pass it up.
          if (this.state === 'Calling') {
            this.clearTimers();
            this.transition('Proceeding');
          }
          this.safely('onProvisional', () => this.listener.onProvisional?.(res));
          if (this.cancelState === 'pending' && this.inState('Proceeding')) this.fireCancel();
        } else if (status < 300) {
          // RFC 6026 §8.4: 2xx → Accepted, Timer M, pass it up.
          this.clearTimers();
          this.transition('Accepted');
          this.safely('onFinal', () => this.listener.onFinal(res));
          // Only 2xx retransmissions and other forks reach the TU from now on (Timer M).
          if (this.inState('Accepted'))
            this.lingerOrWait({
              state: { kind: 'client-invite-accepted', listener: this.listener },
              ms: this.timers.M,
              requestToTag: undefined,
              responseToTag: undefined,
            });
        } else {
          // §17.1.1.2: 300-699 → Completed, ACK, pass up, Timer D (0 on reliable → Terminated).
          this.clearTimers();
          this.transition('Completed');
          this.ack = buildNon2xxAck(this.request, res);
          this.sendAck();
          this.safely('onFinal', () => this.listener.onFinal(res));
          if (!this.inState('Completed')) return; // the TU or a transport error ended it
          const ms = this.timers.D;
          this.lingerOrWait({
            state: {
              kind: 'client-invite-completed',
              // not kept when D is 0 (reliable); serialized here only if the transport did not send it
              wire: ms > 0 ? (this.ackBytes ?? this.ack.toBuffer()).toString('latin1') : '',
              destination: this.destination,
            },
            ms,
            requestToTag: undefined,
            responseToTag: undefined,
          });
        }
        return;
      case 'Completed':
        // §17.1.1.2: retransmitted final → ACK again, not passed up.
        if (status >= 300 && this.ack) this.sendAck();
        else this.metric('response-absorbed');
        return;
      case 'Accepted':
        // RFC 6026 §8.4: any 2xx is passed up to the TU; anything else is absorbed.
        if (status >= 200 && status < 300) this.safely('onFinal', () => this.listener.onFinal(res));
        else this.metric('response-absorbed');
        return;
      case 'Terminated':
        this.metric('response-absorbed');
        return;
    }
  }

  /**
   * §17.1.4 / Figure 5: a transport failure in `Calling` (the INVITE) or `Completed` (the ACK)
   * terminates the transaction and informs the TU. `Proceeding` and `Accepted` have no such edge in the
   * diagram (the transaction sends nothing there; the TU's own timer ends a call stuck in Proceeding),
   * so errors are ignored in those states.
   */
  transportError(err: TransportError): void {
    if (this.state !== 'Calling' && this.state !== 'Completed') return;
    this.noteTransportError(err);
    this.terminateAfter('onTransportError', () => this.listener.onTransportError?.(err));
  }

  /**
   * §9.1: cancels the INVITE. The CANCEL is only sent once a provisional response was received (it is
   * held until then); after a final response it is not sent at all. Once the CANCEL is sent, the
   * transaction waits 64·T1 ({@link TimerSet.cancelGiveUp}) for a final response; if none comes it
   * considers itself cancelled, calls `onCancelTimeout` (else `onTimeout`) and terminates (§9.1).
   * `headers` are appended to the CANCEL (e.g. an RFC 3326 `Reason`). Idempotent: only the first call
   * counts.
   */
  cancel(headers?: ReadonlyArray<readonly [string, string]>): void {
    if (this.cancelState !== 'none') return;
    if (this.state === 'Calling') {
      this.cancelState = 'pending';
      this.cancelHeaders = headers;
    } else if (this.state === 'Proceeding') {
      this.cancelHeaders = headers;
      this.fireCancel();
    }
  }

  /** Whether {@link cancel} was called and the CANCEL is held (`pending`) or was sent (`sent`). */
  get cancelStatus(): 'none' | 'pending' | 'sent' {
    return this.cancelState;
  }

  protected onRetransmitTimer(): void {
    if (this.state !== 'Calling') return;
    // §17.1.1.2: Timer A fires → retransmit, reset A with twice its value (no cap).
    this.metric('request-retransmitted');
    this.env.transport.sendRequest(this.request, this.destination);
    this.intervalA = nextInterval(this.intervalA, Infinity);
    this.setRetransmitTimer(this.intervalA);
  }

  protected onLifetimeTimer(): void {
    switch (this.state) {
      case 'Calling':
        // §17.1.1.2: Timer B → Terminated, inform the TU of the timeout.
        this.metric('timeout');
        this.terminateAfter('onTimeout', () => this.listener.onTimeout?.());
        return;
      case 'Proceeding':
        // §9.1: no final response within 64·T1 after the CANCEL → consider it cancelled, destroy it.
        if (this.cancelState !== 'sent') return;
        this.metric('timeout');
        this.terminateAfter('onCancelTimeout', () => {
          if (this.listener.onCancelTimeout) this.listener.onCancelTimeout();
          else this.listener.onTimeout?.();
        });
        return;
      case 'Completed': // Timer D
      case 'Accepted': // Timer M (RFC 6026 §8.4)
        this.transition('Terminated');
        return;
      default:
        return;
    }
  }

  protected override afterTerminated(): void {
    const hook = this.listener.onTerminated;
    if (hook) this.safely('onTerminated', () => hook.call(this.listener));
  }

  private sendAck(): void {
    if (!this.ack) return;
    this.metric('ack-sent');
    this.ackBytes = this.env.transport.sendRequest(this.ack, this.destination) ?? this.ackBytes;
  }

  /** Sends the CANCEL (only ever in `Proceeding`) and arms the §9.1 give-up timer (lifetime slot). */
  private fireCancel(): void {
    this.cancelState = 'sent';
    const cancel = buildCancel(this.request);
    const headers = this.cancelHeaders;
    this.cancelHeaders = undefined;
    if (headers) for (const [name, value] of headers) cancel.append(name, value);
    this.setLifetimeTimer(this.timers.cancelGiveUp);
    this.sendCancel(cancel, this.destination);
  }
}
