/**
 * The UAC side of one INVITE (RFC 3261 §13.2): provisional responses and early dialogs, the final
 * answer, CANCEL (§9.1), and the end-to-end ACK of every 2xx — including 2xx from other forks, which are
 * ACKed and then ended with BYE since only the first one becomes the session (§13.2.2.4).
 */
import { UacDialogSet } from '../dialog/index.ts';
import type { Dialog } from '../dialog/index.ts';
import type { Endpoint, SipRequest, SipResponse } from '../message/index.ts';
import type { TransportError } from '../transport/index.ts';
import type { ClientTransactionListener, InviteClientTransaction } from '../transaction/index.ts';
import { LateAnswers } from './late-answers.ts';
import { Session } from './session.ts';
import type { UaContext } from './ua-context.ts';

/** Lifecycle of an {@link OutgoingInvite}. */
export type OutgoingInviteState = 'calling' | 'early' | 'answered' | 'failed';

/** How an outgoing INVITE failed. */
export interface InviteFailure {
  /** The final response, when one arrived. */
  response?: SipResponse;
  /**
   * 408 for Timer B, 503 for a transport error (§8.1.3.1), 487 when our CANCEL got no final response
   * within 64·T1 (§9.1: the INVITE is considered cancelled; cause `timeout`), else the response's status.
   */
  status: number;
  cause: 'rejected' | 'timeout' | 'transport-error';
}

/** An INVITE we sent. */
export class OutgoingInvite {
  readonly request: SipRequest;
  readonly destination: Endpoint;
  private readonly dialogs: UacDialogSet;
  private txn: InviteClientTransaction | undefined;
  /** The transaction's listener (it outlives this object's interest in the INVITE: Timer M). */
  private relay: ListenerRelay | undefined;
  private _state: OutgoingInviteState = 'calling';
  private _session: Session | undefined;

  /** A provisional response (its early dialog, when one is wanted: {@link earlyDialog}). */
  onProgress?: (res: SipResponse) => void;
  /** The first 2xx: ACK already sent; the session is established. */
  onAnswer?: (session: Session, res: SipResponse) => void;
  /** A final failure (after which nothing else is reported). */
  onFailure?: (failure: InviteFailure) => void;

  constructor(
    private readonly ctx: UaContext,
    request: SipRequest,
    destination: Endpoint,
  ) {
    this.request = request;
    this.destination = destination;
    this.dialogs = new UacDialogSet(request);
  }

  get state(): OutgoingInviteState {
    return this._state;
  }

  get session(): Session | undefined {
    return this._session;
  }

  /** @internal Starts the client transaction. */
  start(): void {
    this.relay = new ListenerRelay({
      onProvisional: (res) => {
        if (this._state === 'calling') this._state = 'early';
        this.onProgress?.(res);
      },
      onFinal: (res) => this.final(res),
      onTimeout: () => this.fail({ status: 408, cause: 'timeout' }),
      onCancelTimeout: () => this.fail({ status: 487, cause: 'timeout' }),
      onTransportError: () => this.fail({ status: 503, cause: 'transport-error' }),
    });
    this.txn = this.ctx.transactions.sendRequest(
      this.request,
      this.destination,
      this.relay,
    ) as InviteClientTransaction;
  }

  /**
   * The early dialog (§12.1.2) of a provisional response with a To tag, built the first time it is asked
   * for: ringd sends nothing within early dialogs, and building one for the 180 of every member a ring group
   * then cancels cost ~2 % of a group call's CPU, and more in the garbage collector while the member rang.
   * A 2xx builds its dialog either way (the route set and remote target come from the 2xx, §12.1.2).
   * `undefined` for a 100, a 1xx without To tag, a final response, or once the INVITE failed.
   * @throws SipParseError from a malformed header of the response.
   */
  earlyDialog(res: SipResponse): Dialog | undefined {
    if (res.status >= 200 || this._state === 'failed') return undefined;
    return this.dialogs.onResponse(res);
  }

  /**
   * Cancels the INVITE (§9.1). Before any provisional response the CANCEL is held back and sent on the
   * first one; after a final response it does nothing. `headers` are added to the CANCEL (e.g. RFC 3326
   * `Reason: SIP;cause=200;text="Call completed elsewhere"`). Idempotent: only the first call counts.
   * If no final response follows the CANCEL within 64·T1, the INVITE is given up: {@link onFailure}
   * with status 487, cause `timeout`.
   */
  cancel(headers?: Array<[string, string]>): void {
    if (this._state !== 'calling' && this._state !== 'early') return;
    this.txn?.cancel(headers !== undefined && headers.length > 0 ? headers : undefined);
  }

  private final(res: SipResponse): void {
    if (res.status >= 300) {
      this.dialogs.onResponse(res);
      this.fail({ response: res, status: res.status, cause: 'rejected' });
      return;
    }
    const dialog = this.dialogs.onResponse(res);
    if (dialog === undefined) return; // a 2xx without To tag cannot form a dialog; nothing to ACK it with
    // Every 2xx (first, forked, retransmitted) is ACKed (§13.2.2.4).
    const ack = dialog.createAck(this.request.cseq.seq, { invite: this.request });
    this.ctx.sendAck(ack, this.destination);
    if (this._session?.dialog === dialog) return; // retransmission of the answer we accepted
    if (this._state === 'answered' || this._state === 'failed') {
      // A 2xx from another fork (or after we gave up): a dialog we do not want — end it with BYE.
      if (!this.extraForks.has(dialog.key)) {
        this.extraForks.add(dialog.key);
        const extra = new Session(this.ctx, dialog, this.destination, this.request.body, undefined);
        void extra.bye();
      }
      return;
    }
    this._state = 'answered';
    // Timer M's 2xx (retransmissions, other forks) go to a small stand-in from now on, not to this object.
    if (this.relay !== undefined && this.txn !== undefined && res.toTag !== undefined)
      this.relay.to = new LateAnswers(this.ctx, this.destination, this.txn.requestWire(), res.toTag);
    const session = new Session(
      this.ctx,
      dialog,
      this.destination,
      this.request.body,
      this.request.body.length > 0 ? this.request.get('Content-Type') : undefined,
    );
    this._session = session;
    this.ctx.registerSession(session);
    const onAnswer = this.onAnswer;
    this.release();
    onAnswer?.(session, res);
  }

  /**
   * Nothing more is reported to the application once the INVITE is answered or failed, but the client
   * transaction keeps this object for 64·T1 (Timer M: 2xx retransmissions and other forks are ACKed
   * here): it must not keep the application's call alive that long.
   */
  private release(): void {
    this.relay = undefined;
    this.txn = undefined; // nothing to cancel any more; the transaction must not be kept for 64·T1 either
    this.onProgress = undefined;
    this.onAnswer = undefined;
    this.onFailure = undefined;
  }

  private readonly extraForks = new Set<string>();

  private fail(f: InviteFailure): void {
    if (this._state === 'answered' || this._state === 'failed') return;
    this._state = 'failed';
    this.dialogs.terminateAll();
    const onFailure = this.onFailure;
    this.release();
    onFailure?.(f);
  }
}

/**
 * The listener an INVITE client transaction keeps: it forwards to the {@link OutgoingInvite} until the
 * answer, then to a {@link LateAnswers}, so the transaction's 64·T1 in `Accepted` does not keep the
 * OutgoingInvite (and what it references) alive.
 */
class ListenerRelay implements ClientTransactionListener {
  constructor(public to: ClientTransactionListener) {}

  onProvisional(res: SipResponse): void {
    this.to.onProvisional?.(res);
  }

  onFinal(res: SipResponse): void {
    this.to.onFinal(res);
  }

  onTimeout(): void {
    this.to.onTimeout?.();
  }

  onCancelTimeout(): void {
    if (this.to.onCancelTimeout) this.to.onCancelTimeout();
    else this.to.onTimeout?.();
  }

  onTransportError(err: TransportError): void {
    this.to.onTransportError?.(err);
  }
}
