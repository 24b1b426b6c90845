/**
 * An established INVITE dialog (RFC 3261 §12–§15) on either side: sends in-dialog requests (BYE,
 * re-INVITE, INFO…), answers the peer's, and ends once. Owned by a {@link UserAgent}.
 */
import type { Dialog } from '../dialog/index.ts';
import { createResponse } from '../message/index.ts';
import type { Endpoint, SipRequest, SipResponse } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import type { UaContext } from './ua-context.ts';

const EMPTY = Buffer.alloc(0);

/** Why a session ended. */
export type SessionEndCause = 'local-bye' | 'remote-bye' | 'no-ack' | 'request-failed' | 'closed';

/** Options of an in-dialog request. */
export interface InDialogRequestOptions {
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** An established session. */
export class Session {
  /** The dialog (role tells which side created it). */
  readonly dialog: Dialog;
  /** The peer address the dialog-creating request came from / was sent to (used when the target is a name). */
  readonly peer: Endpoint;
  private ended = false;
  /** The last SDP (or other body) we sent, reused to answer a re-INVITE when no handler is set. */
  localBody: Buffer;
  localContentType: string | undefined;

  /** The peer sent BYE (already answered 200). */
  onBye?: (req: SipRequest) => void;
  /**
   * Any other in-dialog request (re-INVITE, UPDATE, INFO, NOTIFY, MESSAGE). Return true when the handler
   * answered (or will answer) through `txn`; otherwise the UA answers: re-INVITE → 200 with our last
   * body, others → 200.
   */
  onRequest?: (req: SipRequest, txn: ServerTransaction) => boolean;
  /** The session ended (once). */
  onEnd?: (cause: SessionEndCause) => void;

  constructor(
    private readonly ctx: UaContext,
    dialog: Dialog,
    peer: Endpoint,
    localBody: Buffer,
    localContentType: string | undefined,
  ) {
    this.dialog = dialog;
    this.peer = peer;
    this.localBody = localBody;
    this.localContentType = localContentType;
  }

  /** True once ended. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Sends BYE (§15.1.1) and ends the session at once; resolves with the BYE's final response (or undefined). */
  bye(headers?: Array<[string, string]>): Promise<SipResponse | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    const p = this.request('BYE', { headers });
    this.end('local-bye');
    return p;
  }

  /**
   * Sends an in-dialog request and resolves with its final response (`undefined` on timeout or transport
   * error, which also ends the session per §12.2.1.2).
   */
  request(method: string, opts: InDialogRequestOptions = {}): Promise<SipResponse | undefined> {
    const hasBody = opts.body !== undefined && opts.body.length > 0;
    const req = this.dialog.createRequest(method, {
      ...opts,
      contentType: opts.contentType ?? (hasBody ? 'application/sdp' : undefined),
    });
    const dest = this.ctx.destinationOf(this.dialog.nextHop(), this.peer);
    return new Promise((resolve) => {
      this.ctx.transactions.sendRequest(req, dest, {
        onFinal: (res) => {
          this.dialog.receiveResponse(res);
          if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
            // §13.2.2.4: the re-INVITE's 2xx is ACKed end to end.
            this.ctx.sendAck(this.dialog.createAck(req.cseq.seq, { invite: req }), this.peer);
          }
          if (res.status === 481 || res.status === 408) this.end('request-failed');
          resolve(res);
        },
        onTimeout: () => {
          if (method !== 'BYE') this.end('request-failed');
          resolve(undefined);
        },
        onTransportError: () => {
          if (method !== 'BYE') this.end('request-failed');
          resolve(undefined);
        },
      });
    });
  }

  /** @internal Called by the UA for each in-dialog request of this session. */
  handleRequest(req: SipRequest, txn: ServerTransaction): void {
    if (req.method === 'BYE') {
      txn.respond(createResponse(req, 200, 'OK'));
      const onBye = this.onBye;
      this.onBye = undefined;
      this.end('remote-bye');
      onBye?.(req);
      return;
    }
    if (this.onRequest?.(req, txn) === true) return;
    if (req.method === 'INVITE') {
      const res = createResponse(req, 200, 'OK', {
        headers: [['Contact', this.ctx.contactFor(this.peer.transport)]],
        body: this.localBody,
      });
      if (this.localContentType !== undefined && this.localBody.length > 0)
        res.set('Content-Type', this.localContentType);
      txn.respond(res);
      this.dialog.applyTargetRefresh(req);
      return;
    }
    txn.respond(createResponse(req, 200, 'OK'));
  }

  /** @internal Ends the session once: dialog terminated, UA indexes cleaned. */
  end(cause: SessionEndCause): void {
    if (this.ended) return;
    this.ended = true;
    if (this.dialog.state !== 'terminated') this.dialog.terminate();
    this.ctx.forgetSession(this);
    const onEnd = this.onEnd;
    // An ended session may still be referenced for a while (the INVITE's transactions absorb
    // retransmissions for 64·T1): it must not keep the application's call alive.
    this.onEnd = undefined;
    this.onRequest = undefined;
    this.localBody = EMPTY;
    onEnd?.(cause);
  }
}
