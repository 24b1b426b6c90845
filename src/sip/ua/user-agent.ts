/**
 * A SIP user agent core (RFC 3261 §8, §12–§15) on top of the transaction layer: the transaction user
 * that turns requests into {@link IncomingInvite}s, sessions and plain request handlers, and sends
 * INVITEs and other requests as a UAC. It makes no policy decision: the application (the PBX, a test
 * UA) plugs in through {@link UserAgentDelegate}.
 */
import type { Clock } from '../clock.ts';
import { dialogKey, DialogStore, UacAckCache } from '../dialog/index.ts';
import type { IdSource } from '../ids.ts';
import { createResponse, formatNameAddr, formatUri, parseUri, SipRequest } from '../message/index.ts';
import type { Endpoint, NameAddr, SipResponse, Uri } from '../message/index.ts';
import {
  DEFAULT_TIMER_BASE,
  TransactionLayer,
  type InviteServerTransaction,
  type NonInviteServerTransaction,
  type ServerTransaction,
  type TimerBase,
  type TransactionMetric,
} from '../transaction/index.ts';
import type { InboundMessage, TransportLayer } from '../transport/types.ts';
import { allowValue, capabilities, type UaCapabilities } from './capabilities.ts';
import { uriToEndpoint } from './endpoints.ts';
import { IncomingInvite } from './incoming-invite.ts';
import { OutgoingInvite } from './outgoing-invite.ts';
import type { Session } from './session.ts';
import type { UaContext } from './ua-context.ts';
import { checkRequest } from './uas-checks.ts';

/** The application's side of a {@link UserAgent}. Every callback is optional. */
export interface UserAgentDelegate {
  /** A new INVITE passed the UAS checks; answer it through `invite`. Without a delegate: 480. */
  onInvite?(invite: IncomingInvite): void;
  /**
   * A new request outside a dialog, other than INVITE (OPTIONS, REGISTER, MESSAGE…), that passed the UAS
   * checks. Return true when answered (or to be answered) through `txn`. Otherwise the UA answers OPTIONS
   * with 200 (Allow, Accept, Supported) and everything else with 405.
   */
  onRequest?(req: SipRequest, txn: ServerTransaction, inbound: InboundMessage): boolean;
}

/** Options of a {@link UserAgent}. */
export interface UserAgentOptions {
  transport: TransportLayer;
  clock: Clock;
  ids: IdSource;
  /** T1/T2/T4 overrides (default 500/4000/5000 ms). */
  timers?: Partial<TimerBase>;
  delegate?: UserAgentDelegate;
  /** Methods, extensions and body types supported (see {@link UaCapabilities}). */
  capabilities?: Partial<UaCapabilities>;
  /** User part of our Contact (default `ringd`). */
  contactUser?: string;
  /** `User-Agent` / `Server` header value (default `ringd`); empty string to omit. */
  product?: string;
  /** Transaction events (timeouts, retransmissions…), one string literal each: for metrics. */
  transactionMetrics?: (metric: TransactionMetric) => void;
}

/** Options of {@link UserAgent.invite} and {@link UserAgent.request}. */
export interface OutgoingRequestOptions {
  /** Request-URI. */
  uri: Uri | string;
  /** Where to send (default: resolved from the Request-URI, which must then hold an IP address). */
  destination?: Endpoint;
  /** From (default `<sip:ringd@local-address>`); a tag is added. */
  from?: NameAddr | string;
  /** To (default: the Request-URI). */
  to?: NameAddr | string;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** The user agent core. */
export class UserAgent {
  readonly transactions: TransactionLayer;
  private readonly transport: TransportLayer;
  private readonly delegate: UserAgentDelegate;
  private readonly caps: UaCapabilities;
  private readonly ctx: UaContext;
  private readonly contactUser: string;
  private readonly product: string;
  private readonly sessions = new DialogStore();
  private readonly sessionByKey = new Map<string, Session>();
  private readonly invitesByTxn = new Map<InviteServerTransaction, IncomingInvite>();
  private readonly awaitingAck = new Map<string, IncomingInvite>();
  private readonly acks: UacAckCache;

  constructor(opts: UserAgentOptions) {
    this.transport = opts.transport;
    this.delegate = opts.delegate ?? {};
    this.caps = capabilities(opts.capabilities);
    this.contactUser = opts.contactUser ?? 'ringd';
    this.product = opts.product ?? 'ringd';
    const timers: TimerBase = { ...DEFAULT_TIMER_BASE, ...opts.timers };
    this.acks = new UacAckCache({ clock: opts.clock, ttl: 64 * timers.T1 });
    this.transactions = new TransactionLayer({
      transport: opts.transport,
      clock: opts.clock,
      ids: opts.ids,
      timers,
      metrics: opts.transactionMetrics,
      user: {
        onRequest: (req, txn) => this.onRequest(req, txn),
        onCancel: (cancel, cancelTxn, inviteTxn) => this.onCancel(cancel, cancelTxn, inviteTxn),
        onAck: (ack) => this.onAck(ack),
        onStrayResponse: (res, inbound) => this.onStrayResponse(res, inbound),
      },
    });
    this.ctx = {
      transactions: this.transactions,
      clock: opts.clock,
      ids: opts.ids,
      timers,
      contactFor: (t) => this.contactFor(t),
      destinationOf: (uri, fallback) => uriToEndpoint(uri, fallback.transport) ?? fallback,
      sendAck: (ack, fallback) => this.sendAck(ack, fallback),
      registerSession: (s) => {
        this.sessions.add(s.dialog);
        this.sessionByKey.set(s.dialog.key, s);
      },
      forgetSession: (s) => {
        this.sessions.delete(s.dialog.key);
        this.sessionByKey.delete(s.dialog.key);
        this.awaitingAck.delete(s.dialog.key);
        this.acks.forgetDialog(s.dialog.key);
      },
      isReliable: (t) => this.transport.isReliable(t),
    };
  }

  /** Live counts, so tests can assert nothing is left behind after calls end. */
  stats(): { sessions: number; pendingInvites: number; awaitingAck: number; transactions: number } {
    const t = this.transactions.stats();
    return {
      sessions: this.sessionByKey.size,
      pendingInvites: this.invitesByTxn.size,
      awaitingAck: this.awaitingAck.size,
      transactions: t.clientInvite + t.clientNonInvite + t.serverInvite + t.serverNonInvite + t.lingering,
    };
  }

  /** Our Contact header value for a transport. */
  contactFor(transport: string): string {
    const local = this.transport.localEndpoint(transport);
    const host = local.address.includes(':') ? `[${local.address}]` : local.address;
    const tp = transport.toUpperCase() === 'UDP' ? '' : `;transport=${transport.toLowerCase()}`;
    return `<sip:${this.contactUser}@${host}:${local.port}${tp}>`;
  }

  /** Sends an INVITE; the returned object reports progress, answer (session) or failure. */
  invite(opts: OutgoingRequestOptions): OutgoingInvite {
    const { req, dest } = this.buildRequest('INVITE', opts);
    const out = new OutgoingInvite(this.ctx, req, dest);
    out.start();
    return out;
  }

  /** Sends a non-INVITE request outside a dialog; resolves with its final response (408/503 synthesized). */
  request(method: string, opts: OutgoingRequestOptions): Promise<SipResponse> {
    const { req, dest } = this.buildRequest(method, opts);
    return new Promise((resolve) => {
      this.transactions.sendRequest(req, dest, {
        onFinal: resolve,
        onTimeout: () => resolve(createResponse(req, 408, 'Request Timeout')),
        onTransportError: () => resolve(createResponse(req, 503, 'Service Unavailable')),
      });
    });
  }

  /** Ends every session and transaction; the transport is the caller's to close. */
  close(): void {
    for (const inv of [...this.invitesByTxn.values(), ...this.awaitingAck.values()]) inv.dispose();
    this.invitesByTxn.clear();
    for (const s of [...this.sessionByKey.values()]) s.end('closed');
    this.awaitingAck.clear();
    this.acks.clear();
    this.transactions.close();
  }

  private buildRequest(method: string, o: OutgoingRequestOptions): { req: SipRequest; dest: Endpoint } {
    const uri = typeof o.uri === 'string' ? parseUri(o.uri) : o.uri;
    const dest = o.destination ?? uriToEndpoint(uri);
    if (dest === undefined) throw new Error(`cannot resolve ${formatUri(uri)}: give a destination`);
    const local = this.transport.localEndpoint(dest.transport);
    const from =
      o.from === undefined
        ? `<sip:${this.contactUser}@${local.address}>`
        : typeof o.from === 'string'
          ? o.from
          : formatNameAddr(o.from);
    const to =
      o.to === undefined ? `<${formatUri(uri)}>` : typeof o.to === 'string' ? o.to : formatNameAddr(o.to);
    const headers: Array<[string, string]> = [
      ['From', `${from};tag=${this.ctx.ids.tag()}`],
      ['To', to],
      ['Call-ID', this.ctx.ids.callId()],
      ['CSeq', `1 ${method}`],
      ['Max-Forwards', '70'],
    ];
    if (method === 'INVITE' || method === 'SUBSCRIBE' || method === 'REFER' || method === 'REGISTER')
      headers.push(['Contact', this.contactFor(dest.transport)]);
    if (this.product) headers.push(['User-Agent', this.product]);
    if (o.headers) headers.push(...o.headers);
    const req = new SipRequest(method, uri, headers, o.body);
    if (req.body.length > 0 && !req.has('Content-Type'))
      req.set('Content-Type', o.contentType ?? 'application/sdp');
    return { req, dest };
  }

  private sendAck(ack: SipRequest, fallback: Endpoint): void {
    const dest = this.ctx.destinationOf(ack.route[0]?.uri ?? ack.uri, fallback);
    ack.prepend('Via', this.viaFor(dest.transport));
    this.acks.remember(dialogKey(ack.callId, ack.fromTag ?? '', ack.toTag ?? ''), ack.cseq.seq, ack);
    this.transactions.sendStateless(ack, dest);
  }

  private viaFor(transport: string): string {
    const l = this.transport.localEndpoint(transport);
    const host = l.address.includes(':') ? `[${l.address}]` : l.address;
    return `SIP/2.0/${transport.toUpperCase()} ${host}:${l.port};branch=${this.ctx.ids.branch()};rport`;
  }

  // ---- transaction user --------------------------------------------------------------------------

  private onRequest(req: SipRequest, txn: ServerTransaction): void {
    const rejection = checkRequest(req, this.caps);
    if (rejection !== undefined) {
      txn.respond(createResponse(req, rejection.status, rejection.reason, { headers: rejection.headers }));
      return;
    }
    if (req.toTag !== undefined) {
      this.onInDialogRequest(req, txn);
      return;
    }
    if (req.method === 'INVITE') {
      const inviteTxn = txn as InviteServerTransaction;
      if (req.contact.length === 0) {
        // §8.1.1.8 makes Contact mandatory in INVITE, but RFC 2543 did not (RFC 4475 `inv2543`): for a
        // request without the magic cookie, the From URI stands in as the remote target (backward
        // compatibility, deliberate); an RFC 3261 request without Contact is refused.
        if (req.branch?.startsWith('z9hG4bK') === true) {
          txn.respond(createResponse(req, 400, 'Missing Contact'));
          return;
        }
        req.set('Contact', `<${formatUri(req.from.uri)}>`);
      }
      if (this.delegate.onInvite === undefined) {
        txn.respond(createResponse(req, 480, 'Temporarily Unavailable'));
        return;
      }
      const invite = new IncomingInvite(this.ctx, inviteTxn);
      this.invitesByTxn.set(inviteTxn, invite);
      inviteTxn.onTerminated = forgetOnTerminated(this.invitesByTxn, inviteTxn);
      invite.uaAccepted = (s) => {
        this.invitesByTxn.delete(inviteTxn); // a CANCEL can no longer change anything
        this.awaitingAck.set(s.dialog.key, invite);
      };
      invite.uaSettled = () => {
        this.invitesByTxn.delete(inviteTxn);
        const key = invite.session?.dialog.key;
        if (key !== undefined && this.awaitingAck.get(key) === invite) this.awaitingAck.delete(key);
      };
      this.delegate.onInvite(invite);
      return;
    }
    if (this.delegate.onRequest?.(req, txn, txn.inbound) === true) return;
    if (req.method === 'OPTIONS') {
      const headers: Array<[string, string]> = [
        ['Allow', allowValue(this.caps)],
        ['Accept', [...this.caps.contentTypes].join(', ')],
      ];
      if (this.caps.extensions.size > 0) headers.push(['Supported', [...this.caps.extensions].join(', ')]);
      if (this.product) headers.push(['Server', this.product]);
      txn.respond(createResponse(req, 200, 'OK', { toTag: this.ctx.ids.tag(), headers }));
      return;
    }
    txn.respond(
      createResponse(req, 405, 'Method Not Allowed', {
        toTag: this.ctx.ids.tag(),
        headers: [['Allow', allowValue(this.caps)]],
      }),
    );
  }

  private onInDialogRequest(req: SipRequest, txn: ServerTransaction): void {
    const dialog = this.sessions.matchRequest(req);
    const session = dialog === undefined ? undefined : this.sessionByKey.get(dialog.key);
    if (dialog === undefined || session === undefined) {
      // §12.2.2: a request with a To tag matching no dialog → 481.
      txn.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    const check = dialog.receiveRequest(req);
    if (!check.ok) {
      const res = createResponse(req, check.status, check.reason);
      if (check.status === 500)
        res.set('Retry-After', String(1 + Math.floor((this.ctx.clock.now() % 10000) / 1000)));
      txn.respond(res);
      return;
    }
    session.handleRequest(req, txn);
  }

  private onCancel(
    cancel: SipRequest,
    cancelTxn: NonInviteServerTransaction,
    inviteTxn: InviteServerTransaction | undefined,
  ): void {
    // §9.2: the CANCEL itself is answered 200; the INVITE gets 487 if it was still unanswered.
    cancelTxn.respond(createResponse(cancel, 200, 'OK', { toTag: this.ctx.ids.tag() }));
    if (inviteTxn === undefined) return;
    this.invitesByTxn.get(inviteTxn)?.handleCancel(cancel);
  }

  private onAck(ack: SipRequest): void {
    const dialog = this.sessions.matchRequest(ack);
    if (dialog === undefined) return;
    const invite = this.awaitingAck.get(dialog.key);
    if (invite === undefined) return;
    this.awaitingAck.delete(dialog.key);
    invite.handleAck(ack);
  }

  private onStrayResponse(res: SipResponse, _inbound: InboundMessage): void {
    // §13.2.2.4: a retransmitted 2xx after the transaction is gone: send the same ACK again.
    if (res.status < 200 || res.status >= 300 || res.cseq.method !== 'INVITE') return;
    const ack = this.acks.ackFor(res);
    const session = this.sessions.matchResponse(res);
    if (ack === undefined || session === undefined) return;
    const s = this.sessionByKey.get(session.key);
    this.transactions.sendStateless(
      ack,
      this.ctx.destinationOf(ack.route[0]?.uri ?? ack.uri, s?.peer ?? _inbound.source),
    );
  }
}

/**
 * The INVITE server transaction's `onTerminated`, made outside `onRequest` on purpose: a closure there
 * would share its scope with the closures that hold the {@link IncomingInvite}, and so keep the whole
 * INVITE (and through it the call) alive until Timer L, 32 s after the call ended.
 */
function forgetOnTerminated<K, V>(map: Map<K, V>, key: K): () => void {
  return () => map.delete(key);
}
