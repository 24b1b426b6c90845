import { SipParseError, SipRequest, formatNameAddr, formatUri } from '../message/index.ts';
import type { NameAddr, SipMessage, SipResponse, Uri } from '../message/index.ts';
import { copyNameAddr, copyUri } from './copy.ts';
import { DialogError } from './dialog-error.ts';
import { CONTACT_METHODS, dialogKey, isTargetRefresh } from './dialog-id.ts';
import type { DialogId } from './dialog-id.ts';
import { computeRequestTarget } from './route-set.ts';
import type { RequestTarget } from './route-set.ts';
import type {
  DialogAckOptions,
  DialogInit,
  DialogRequestOptions,
  DialogRole,
  DialogState,
  DialogStateListener,
  ReceiveRequestResult,
  UacDialogOptions,
  UasDialogOptions,
} from './dialog-types.ts';

const ALLOWED: Readonly<Record<DialogState, readonly DialogState[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

const OK: { ok: true } = { ok: true };
const RESERVED = new Set(['to', 't', 'from', 'f', 'call-id', 'i', 'cseq', 'route', 'via', 'v']);

/**
 * A SIP dialog (RFC 3261 §12): identifier, sequence numbers, URIs, targets, route set and state.
 * Pure: it builds and checks messages and keeps state; transactions, transports and timers are the
 * caller's (the UA core). Created by {@link Dialog.fromUac} / {@link Dialog.fromUas} or by a
 * `UacDialogSet` for a forking INVITE.
 */
export class Dialog {
  /** Call-ID, local tag, remote tag. */
  readonly id: DialogId;
  /** Index key (`dialogKey()`: Call-ID, local tag, remote tag joined by `\n`). */
  readonly key: string;
  /** Side we played in the dialog-creating transaction. */
  readonly role: DialogRole;
  /** Local URI with our tag (From of our requests). */
  readonly localUri: NameAddr;
  /** Remote URI with the peer's tag (To of our requests). */
  readonly remoteUri: NameAddr;
  /** Secure flag (§12.1): the peer must be reached over TLS with SIPS URIs. */
  readonly secure: boolean;

  private _state: DialogState;
  private _localSeq: number;
  private _remoteSeq: number | undefined;
  private _localTarget: Uri;
  private _remoteTarget: Uri;
  private _routeSet: NameAddr[];
  private _target: RequestTarget | undefined;
  private readonly fromText: string;
  private readonly toText: string;
  private contactText: string;
  private listeners: DialogStateListener[] = [];

  /** Builds a dialog from its parts (the factories are the usual way). Copies nothing: pass owned objects. */
  constructor(init: DialogInit) {
    this.role = init.role;
    this._state = init.state;
    this.id = { callId: init.callId, localTag: init.localTag, remoteTag: init.remoteTag };
    this.key = dialogKey(init.callId, init.localTag, init.remoteTag);
    this._localSeq = init.localSeq;
    this._remoteSeq = init.remoteSeq;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this._localTarget = init.localTarget;
    this._remoteTarget = init.remoteTarget;
    this._routeSet = init.routeSet;
    this.secure = init.secure;
    this.fromText = formatNameAddr(init.localUri);
    this.toText = formatNameAddr(init.remoteUri);
    this.contactText = '<' + formatUri(init.localTarget) + '>';
  }

  /**
   * Dialog of the UAC from our dialog-creating request and a 101–299 response (§12.1.2):
   * route set = Record-Route of the response in reverse order; remote target = the response's Contact;
   * local seq = the request's CSeq; remote seq empty; early for a 1xx with a To tag, confirmed for a 2xx.
   * A 2xx without To tag is accepted with an empty remote tag (§12.1.2, RFC 2543 peers).
   * Deliberate deviation: a response without Contact keeps the Request-URI as remote target instead of
   * failing (broken peers still get their ACK and BYE where the INVITE went).
   * @throws DialogError 'not-dialog-creating' (100, ≥300, 1xx without To tag), 'missing-tag', 'missing-contact'
   *   (our request has no Contact); SipParseError from a malformed header of the response.
   */
  static fromUac(request: SipRequest, response: SipResponse, opts: UacDialogOptions = {}): Dialog {
    const status = response.status;
    const remoteTag = response.toTag ?? '';
    if (status < 101 || status > 299 || (status < 200 && remoteTag === '')) {
      throw new DialogError(
        'not-dialog-creating',
        `a ${status} response without To tag cannot create a dialog`,
      );
    }
    const localTag = request.fromTag;
    if (localTag === undefined || localTag === '')
      throw new DialogError('missing-tag', 'request has no From tag');
    const ourContact = request.contact[0];
    if (ourContact === undefined) throw new DialogError('missing-contact', 'our request has no Contact');
    const theirContact = response.contact[0];
    const rr = response.recordRoute;
    const routeSet: NameAddr[] = new Array<NameAddr>(rr.length);
    for (let i = 0; i < rr.length; i++) routeSet[rr.length - 1 - i] = copyNameAddr(rr[i]);
    return new Dialog({
      role: 'uac',
      state: status >= 200 ? 'confirmed' : 'early',
      callId: request.callId,
      localTag,
      remoteTag,
      localSeq: request.cseq.seq,
      remoteSeq: undefined,
      localUri: copyNameAddr(request.from),
      remoteUri: copyNameAddr(request.to, remoteTag === '' ? null : remoteTag),
      localTarget: copyUri(ourContact.uri),
      remoteTarget: copyUri(theirContact !== undefined ? theirContact.uri : request.uri),
      routeSet,
      secure: opts.secure ?? request.uri.scheme === 'sips',
    });
  }

  /**
   * Dialog of the UAS from the dialog-creating request and our 101–299 response carrying our To tag
   * (§12.1.1): route set = Record-Route of the request in order; remote target = the request's Contact;
   * remote seq = the request's CSeq; local seq empty (see {@link UasDialogOptions.initialLocalSeq}).
   * The UA checks the request has a Contact (400 otherwise) before calling this.
   * @throws DialogError 'not-dialog-creating', 'missing-tag' (response without To tag), 'missing-contact';
   *   SipParseError from a malformed header of the request.
   */
  static fromUas(request: SipRequest, response: SipResponse, opts: UasDialogOptions = {}): Dialog {
    const status = response.status;
    if (status < 101 || status > 299) {
      throw new DialogError('not-dialog-creating', `a ${status} response cannot create a dialog`);
    }
    const localTag = response.toTag;
    if (localTag === undefined || localTag === '')
      throw new DialogError('missing-tag', 'response has no To tag');
    const theirContact = request.contact[0];
    if (theirContact === undefined) throw new DialogError('missing-contact', 'request has no Contact');
    const ourContact = response.contact[0];
    if (ourContact === undefined) throw new DialogError('missing-contact', 'our response has no Contact');
    const remoteTag = request.fromTag ?? '';
    return new Dialog({
      role: 'uas',
      state: status >= 200 ? 'confirmed' : 'early',
      callId: request.callId,
      localTag,
      remoteTag,
      localSeq: opts.initialLocalSeq ?? 0,
      remoteSeq: request.cseq.seq,
      localUri: copyNameAddr(request.to, localTag),
      remoteUri: copyNameAddr(request.from),
      localTarget: copyUri(ourContact.uri),
      remoteTarget: copyUri(theirContact.uri),
      routeSet: request.recordRoute.map((r) => copyNameAddr(r)),
      secure: opts.secure ?? request.uri.scheme === 'sips',
    });
  }

  /** Current state. */
  get state(): DialogState {
    return this._state;
  }
  /** Local CSeq number: of our last request (UAS: `0` while still empty, §12.1.1). */
  get localSeq(): number {
    return this._localSeq;
  }
  /** Remote CSeq number; `undefined` until the peer's first request (UAC side, §12.1.2). */
  get remoteSeq(): number | undefined {
    return this._remoteSeq;
  }
  /** Our Contact URI, sent on target refresh requests. */
  get localTarget(): Uri {
    return this._localTarget;
  }
  /** The peer's Contact URI: the Request-URI of our requests (unless strict routing). */
  get remoteTarget(): Uri {
    return this._remoteTarget;
  }
  /** Route set, in the order of the Route headers of our requests. */
  get routeSet(): readonly NameAddr[] {
    return this._routeSet;
  }
  /** Request-URI, Route values and next hop of the next request (§12.2.1.1), cached. */
  get requestTarget(): RequestTarget {
    if (this._target === undefined) this._target = computeRequestTarget(this._routeSet, this._remoteTarget);
    return this._target;
  }

  /** Subscribes to state changes; returns the function that unsubscribes. */
  onStateChange(fn: DialogStateListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * early → confirmed. The UAS calls it when it sends its 2xx (passing it updates our local target
   * from its Contact); the UAC's own dialogs are confirmed by {@link receiveResponse}.
   * @throws DialogError 'illegal-transition' unless early.
   */
  confirm(response?: SipResponse): void {
    this.transition('confirmed');
    const c = response?.contact[0];
    if (c !== undefined) this.setLocalTarget(c.uri);
  }

  /** Ends the dialog (BYE sent or received, 481/408, non-2xx final to the INVITE…). Idempotent. */
  terminate(): void {
    if (this._state !== 'terminated') this.transition('terminated');
  }

  /** Replaces our Contact (e.g. before a re-INVITE announcing a new address). */
  setLocalTarget(uri: Uri): void {
    this._localTarget = copyUri(uri);
    this.contactText = '<' + formatUri(this._localTarget) + '>';
  }

  /** Where the next request must be sent (first Route when loose routing, else the Request-URI), for the UA to resolve (RFC 3263). */
  nextHop(): Uri {
    return this.requestTarget.nextHop;
  }

  /**
   * Builds a request within the dialog (§12.2.1.1): To/From with tags, Call-ID, CSeq = ++localSeq
   * (ACK and CANCEL reuse the current number: prefer {@link createAck}; a CANCEL is normally built
   * from the request it cancels, §9.1), Request-URI and Route from the route set (loose or strict
   * routing), Contact = local target on target refresh methods and REFER, Max-Forwards 70.
   * No Via: the transaction layer adds it.
   * @throws DialogError 'dialog-terminated', 'reserved-header'.
   */
  createRequest(method: string, opts: DialogRequestOptions = {}): SipRequest {
    if (this._state === 'terminated') {
      throw new DialogError('dialog-terminated', `cannot send ${method} in a terminated dialog`);
    }
    // §12.2.1.1: the local sequence number MUST be incremented by one for each new request; ACK and
    // CANCEL carry the number of the request they refer to (§13.2.2.4, §9.1).
    const seq = method === 'ACK' || method === 'CANCEL' ? this._localSeq : ++this._localSeq;
    return this.build(method, seq, opts, CONTACT_METHODS.has(method));
  }

  /**
   * ACK for a 2xx to the INVITE with CSeq number `inviteCseq` (§13.2.2.4): built like any in-dialog
   * request, with the INVITE's CSeq number and method ACK, the INVITE's credentials when
   * `opts.invite` is given, and an optional body. Allowed in any state: every 2xx is acknowledged,
   * even in a dialog we are about to end with BYE.
   * @throws DialogError 'reserved-header'.
   */
  createAck(inviteCseq: number, opts: DialogAckOptions = {}): SipRequest {
    const ack = this.build('ACK', inviteCseq, opts, false);
    if (opts.invite !== undefined) {
      for (const v of opts.invite.getAll('Authorization')) ack.append('Authorization', v);
      for (const v of opts.invite.getAll('Proxy-Authorization')) ack.append('Proxy-Authorization', v);
    }
    return ack;
  }

  /**
   * Checks an incoming request that the UA has matched to this dialog (§12.2.2).
   * - ACK and CANCEL carry the CSeq of the INVITE they refer to and are always accepted.
   * - A CSeq lower than the remote sequence number → `{ ok: false, status: 500 }` (the request is out of
   *   order; the UA answers 500 with a Retry-After). Otherwise the remote sequence number is updated.
   * - UPDATE, SUBSCRIBE and NOTIFY refresh the remote target from their Contact at once. A re-INVITE
   *   does not: the UA calls {@link applyTargetRefresh} with it when it sends the 2xx that accepts it
   *   (RFC 6141 §3.4: a failed re-INVITE leaves the target unchanged).
   * - A terminated dialog, or a request whose Call-ID/tags are not this dialog's → 481.
   * Never throws on well-formed parsed input.
   */
  receiveRequest(req: SipRequest): ReceiveRequestResult {
    if (this._state === 'terminated')
      return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    if (
      req.callId !== this.id.callId ||
      req.toTag !== this.id.localTag ||
      (req.fromTag ?? '') !== this.id.remoteTag
    ) {
      return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    }
    const method = req.method;
    if (method === 'ACK' || method === 'CANCEL') return OK;
    const seq = req.cseq.seq;
    if (this._remoteSeq !== undefined && seq < this._remoteSeq) {
      return { ok: false, status: 500, reason: 'Server Internal Error' };
    }
    this._remoteSeq = seq;
    if (method !== 'INVITE' && isTargetRefresh(method)) this.applyTargetRefresh(req);
    return OK;
  }

  /**
   * Replaces the remote target with the first Contact of `msg`, if it has one (§12.2.1.2, §12.2.2).
   * The UA calls it (UAS side) with a re-INVITE once it has sent the 2xx accepting it; everything else
   * is handled by {@link receiveRequest} and {@link receiveResponse}. Returns true when the remote target
   * was replaced (false when `msg` has no usable Contact; a malformed Contact is ignored, never thrown).
   */
  applyTargetRefresh(msg: SipMessage): boolean {
    let c: NameAddr | undefined;
    try {
      c = msg.contact[0];
    } catch (e) {
      if (e instanceof SipParseError) return false;
      throw e;
    }
    if (c === undefined || c.uri.host === '') return false;
    this._remoteTarget = copyUri(c.uri);
    this._target = undefined;
    return true;
  }

  /**
   * Applies a response to one of our requests in this dialog and returns the new state.
   * - 2xx to the INVITE of an early dialog (UAC): confirmed; route set recomputed from the 2xx's
   *   Record-Route (reversed) and remote target from its Contact (§13.2.2.4, §12.1.2).
   * - 2xx to a target refresh request (re-INVITE, UPDATE, SUBSCRIBE, NOTIFY): remote target from its
   *   Contact (§12.2.1.2).
   * - 481 or 408 to any request: terminated (§12.2.1.2). The UA passes a synthesized 408 (or calls
   *   {@link terminate}) when the transaction timed out.
   * - 3xx–6xx to the INVITE of an early dialog: terminated (§12.3).
   * A terminated dialog ignores responses (network input never throws here).
   */
  receiveResponse(res: SipResponse): DialogState {
    if (this._state === 'terminated') return this._state;
    const status = res.status;
    if (status < 200) return this._state;
    const method = res.cseq.method;
    if (status < 300) {
      if (method === 'INVITE' && this._state === 'early') {
        if (this.role === 'uac') this.recomputeFrom2xx(res);
        this.transition('confirmed');
      } else if (isTargetRefresh(method)) {
        this.applyTargetRefresh(res);
      }
      return this._state;
    }
    if (status === 481 || status === 408) this.terminate();
    else if (method === 'INVITE' && this._state === 'early') this.terminate();
    return this._state;
  }

  private recomputeFrom2xx(res: SipResponse): void {
    try {
      const rr = res.recordRoute;
      const routeSet: NameAddr[] = new Array<NameAddr>(rr.length);
      for (let i = 0; i < rr.length; i++) routeSet[rr.length - 1 - i] = copyNameAddr(rr[i]);
      this._routeSet = routeSet;
      this._target = undefined;
    } catch (e) {
      // A malformed Record-Route in the 2xx keeps the route set of the early dialog.
      if (!(e instanceof SipParseError)) throw e;
    }
    this.applyTargetRefresh(res);
  }

  private transition(to: DialogState): void {
    if (!ALLOWED[this._state].includes(to)) {
      throw new DialogError('illegal-transition', `dialog ${this._state} → ${to} is not allowed`);
    }
    this._state = to;
    for (const fn of this.listeners.slice()) fn(to, this);
  }

  private build(method: string, seq: number, opts: DialogRequestOptions, withContact: boolean): SipRequest {
    const target = this.requestTarget;
    const headers: Array<[string, string]> = [];
    for (const r of target.routeValues) headers.push(['Route', r]);
    headers.push(
      ['Max-Forwards', '70'],
      ['From', this.fromText],
      ['To', this.toText],
      ['Call-ID', this.id.callId],
      ['CSeq', seq + ' ' + method],
    );
    if (withContact) headers.push(['Contact', this.contactText]);
    if (opts.contentType !== undefined) headers.push(['Content-Type', opts.contentType]);
    const req = new SipRequest(method, target.requestUriText, headers, opts.body);
    const extra = opts.headers;
    if (extra !== undefined && extra.length > 0) {
      for (const [name] of extra) {
        if (RESERVED.has(name.toLowerCase())) {
          throw new DialogError('reserved-header', `${name} is set by the dialog and cannot be overridden`);
        }
      }
      for (const [name] of extra) if (req.has(name)) req.delete(name);
      for (const [name, value] of extra) req.append(name, value);
    }
    return req;
  }
}
