/**
 * The UAS side of one INVITE (RFC 3261 §13.3): provisional answers, the final answer, CANCEL (§9.2),
 * and for a 2xx the UAS core's duty to retransmit it until the ACK arrives (§13.3.1.4).
 */
import { Dialog, Invite2xxRetransmitter } from '../dialog/index.ts';
import { createResponse } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { InboundMessage } from '../transport/types.ts';
import type { InviteServerTransaction } from '../transaction/index.ts';
import { Session } from './session.ts';
import type { UaContext } from './ua-context.ts';

/** Lifecycle of an {@link IncomingInvite}. */
export type IncomingInviteState = 'proceeding' | 'accepted' | 'confirmed' | 'rejected' | 'cancelled';

/** Options of a response sent through an {@link IncomingInvite}. */
export interface AnswerOptions {
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  /** Content-Type of the body; default `application/sdp` when a body is given. */
  contentType?: string;
}

/** An INVITE received outside a dialog, waiting for the application's answer. */
export class IncomingInvite {
  readonly request: SipRequest;
  readonly inbound: InboundMessage;
  readonly transaction: InviteServerTransaction;
  /** Our To tag, used on every response of this INVITE (one dialog per INVITE on the UAS side). */
  readonly toTag: string;
  private _state: IncomingInviteState = 'proceeding';
  private retransmitter: Invite2xxRetransmitter | undefined;
  private _session: Session | undefined;

  /** The caller cancelled before we answered; 487 was already sent (§9.2). */
  onCancel?: (cancel: SipRequest) => void;
  /** The ACK for our 2xx arrived: the session is confirmed. */
  onAck?: (ack: SipRequest, session: Session) => void;
  /** No ACK within 64·T1 after our 2xx: the UA sent BYE and ended the session (§13.3.1.4). */
  onNoAck?: () => void;
  /** @internal The UA's: a 2xx was sent (the UA then waits for its ACK). */
  uaAccepted?: (session: Session) => void;
  /**
   * @internal The UA's: nothing more can happen to this INVITE through the UA (final answer sent and,
   * for a 2xx, its ACK received or given up): the UA drops it from its indexes. The INVITE server
   * transaction lives on for a while absorbing retransmissions; it must not keep the call alive.
   */
  uaSettled?: () => void;

  constructor(
    private readonly ctx: UaContext,
    txn: InviteServerTransaction,
  ) {
    this.transaction = txn;
    this.request = txn.request;
    this.inbound = txn.inbound;
    this.toTag = ctx.ids.tag();
  }

  get state(): IncomingInviteState {
    return this._state;
  }

  /** The session, once a 2xx was sent. */
  get session(): Session | undefined {
    return this._session;
  }

  /** Sends a provisional response (default 180 Ringing). Ignored once a final answer was sent. */
  progress(status = 180, opts: AnswerOptions = {}): void {
    if (this._state !== 'proceeding' || status < 101 || status > 199) return;
    this.transaction.respond(this.build(status, opts));
  }

  /**
   * Sends 200 OK (with our Contact and the request's Record-Route, §12.1.1), creates the dialog and the
   * session, and retransmits the 2xx until the ACK (§13.3.1.4). Returns the session, or `undefined` when
   * the INVITE is no longer answerable (cancelled, already answered).
   */
  accept(opts: AnswerOptions = {}): Session | undefined {
    if (this._state !== 'proceeding') return undefined;
    const res = this.build(200, opts);
    for (const rr of this.request.getAll('Record-Route')) res.append('Record-Route', rr);
    const dialog = Dialog.fromUas(this.request, res);
    this._state = 'accepted';
    const session = new Session(
      this.ctx,
      dialog,
      this.inbound.source,
      res.body,
      res.body.length > 0 ? (res.get('Content-Type') ?? undefined) : undefined,
    );
    this._session = session;
    this.ctx.registerSession(session);
    this.transaction.respond(res);
    this.onCancel = undefined;
    this.uaAccepted?.(session);
    this.retransmitter = new Invite2xxRetransmitter({
      clock: this.ctx.clock,
      response: res,
      reliable: this.ctx.isReliable(this.inbound.source.transport),
      t1: this.ctx.timers.T1,
      t2: this.ctx.timers.T2,
      send: (r) => this.ctx.transactions.sendStateless(r, undefined, this.inbound.connectionId),
      onNoAck: () => {
        this.retransmitter = undefined;
        void session.bye();
        const onNoAck = this.onNoAck;
        this.settle();
        onNoAck?.();
      },
    });
    this.retransmitter.start();
    return session;
  }

  /** Sends a final non-2xx response (3xx–6xx). */
  reject(status = 486, reason?: string, opts: AnswerOptions = {}): void {
    if (this._state !== 'proceeding' || status < 300) return;
    this._state = 'rejected';
    this.transaction.respond(this.build(status, opts, reason));
    this.settle();
  }

  /** @internal The end-to-end ACK for our 2xx. */
  handleAck(ack: SipRequest): void {
    if (this._state !== 'accepted' || this._session === undefined) return;
    this._state = 'confirmed';
    this.retransmitter?.ackReceived();
    this.retransmitter = undefined;
    const onAck = this.onAck;
    const session = this._session;
    this.settle();
    onAck?.(ack, session);
  }

  /** @internal A CANCEL matched this INVITE (§9.2): 487 when still unanswered. */
  handleCancel(cancel: SipRequest): void {
    if (this._state !== 'proceeding') return;
    this._state = 'cancelled';
    this.transaction.respond(this.build(487, {}));
    const onCancel = this.onCancel;
    this.settle();
    onCancel?.(cancel);
  }

  /** @internal Stops the 2xx retransmissions (UA closing). */
  dispose(): void {
    this.retransmitter?.stop();
    this.retransmitter = undefined;
    this.settle();
  }

  /** Drops every callback (the application's and the UA's) once none can fire any more. */
  private settle(): void {
    const settled = this.uaSettled;
    this.onCancel = undefined;
    this.onAck = undefined;
    this.onNoAck = undefined;
    this.uaAccepted = undefined;
    this.uaSettled = undefined;
    settled?.();
  }

  private build(status: number, opts: AnswerOptions, reason?: string): SipResponse {
    const res = createResponse(this.request, status, reason, { toTag: this.toTag, body: opts.body });
    if (status < 300) res.append('Contact', this.ctx.contactFor(this.inbound.source.transport));
    if (opts.headers) for (const [n, v] of opts.headers) res.append(n, v);
    if (res.body.length > 0 && !res.has('Content-Type'))
      res.set('Content-Type', opts.contentType ?? 'application/sdp');
    return res;
  }
}
