/**
 * The transaction layer (RFC 3261 §17): sits on a {@link TransportLayer}, matches inbound messages to
 * transactions with `Map` lookups (§17.1.3, §17.2.3, §9.2), creates server transactions for new requests,
 * and runs client transactions for the transaction user (TU).
 */
import type { Clock } from '../clock.ts';
import type { IdSource } from '../ids.ts';
import { createResponse, parseMessage } from '../message/index.ts';
import type { Endpoint, SipRequest, SipResponse } from '../message/index.ts';
import type { InboundMessage, TransportError, TransportLayer } from '../transport/types.ts';
import type { ClientTransactionListener } from './client-listener.ts';
import type { ClientTransaction, ServerTransaction, TransactionUser } from './transaction-user.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { timerSet, type TimerBase, type TimerSet } from './timers.ts';
import { clientKey, hasMagicCookie, rfc2543Key, serverKey } from './transaction-keys.ts';
import { LingerStore, type Lingering, type LingerOffer } from './lingering.ts';
import type {
  Transaction,
  TransactionEnvironment,
  TransactionLogger,
  TransactionMetric,
  TransactionOwner,
} from './transaction.ts';

/** Options of a {@link TransactionLayer}. */
export interface TransactionLayerOptions {
  /** The transport; the layer takes over its `onMessage` and `onError` hooks. */
  transport: TransportLayer;
  /** Time source of every transaction timer. */
  clock: Clock;
  /** Branch (and To tag for the 481 to an unmatched CANCEL) source. */
  ids: IdSource;
  /** Overrides of T1/T2/T4 (default 500/4000/5000 ms). */
  timers?: Partial<TimerBase>;
  /** The transaction user. */
  user: TransactionUser;
  /** Optional logger (default: none). */
  logger?: TransactionLogger;
  /** Optional counter hook, called with a string literal per event (no allocation). */
  metrics?: (metric: TransactionMetric) => void;
  /** §9.2: answer a CANCEL matching no INVITE with 481 without calling the TU. Default true. */
  answerUnmatchedCancel?: boolean;
}

/** Options of {@link TransactionLayer.sendRequest}. */
export interface SendRequestOptions {
  /**
   * Prepend our Via (`SIP/2.0/<transport> <local>;branch=<new>;rport`). Default true. With false the
   * request must already carry a top Via whose branch is unique (e.g. a CANCEL reusing its INVITE's).
   */
  addVia?: boolean;
}

/** Live counts, for tests and monitoring (`stats()` after all timers ran is all zeros). */
export interface TransactionLayerStats {
  clientInvite: number;
  clientNonInvite: number;
  serverInvite: number;
  serverNonInvite: number;
  /** Transactions ended but still absorbing retransmissions (`lingering.ts`). */
  lingering: number;
  /** Transaction timers armed right now. */
  timers: number;
}

const NOOP_LISTENER: ClientTransactionListener = { onFinal() {} };

/** RFC 3261 §17 transaction layer. See the module comment. */
export class TransactionLayer implements TransactionOwner {
  private readonly transport: TransportLayer;
  private readonly ids: IdSource;
  private readonly user: TransactionUser;
  private readonly env: TransactionEnvironment;
  private readonly reliableTimers: TimerSet;
  private readonly unreliableTimers: TimerSet;
  private readonly answerUnmatchedCancel: boolean;
  /** Client transactions by branch + CSeq method (§17.1.3). */
  private readonly clients = new Map<string, ClientTransaction>();
  /** Server transactions by branch + sent-by + method (§17.2.3, RFC 3261 branches). */
  private readonly servers = new Map<string, ServerTransaction>();
  /** Server transactions of RFC 2543 requests (no magic cookie, §17.2.3). */
  private readonly servers2543 = new Map<string, ServerTransaction>();
  /** Transactions that only absorb retransmissions, by the same keys (`lingering.ts`). */
  private readonly lingeringClients = new Map<string, Lingering>();
  private readonly lingeringServers = new Map<string, Lingering>();
  private readonly lingeringServers2543 = new Map<string, Lingering>();
  private readonly lingering: LingerStore;
  private readonly counts = { clientInvite: 0, clientNonInvite: 0, serverInvite: 0, serverNonInvite: 0 };
  private closed = false;

  constructor(opts: TransactionLayerOptions) {
    this.transport = opts.transport;
    this.ids = opts.ids;
    this.user = opts.user;
    this.answerUnmatchedCancel = opts.answerUnmatchedCancel ?? true;
    this.lingering = new LingerStore(opts.clock);
    this.env = {
      clock: opts.clock,
      transport: opts.transport,
      counters: { timers: 0 },
      metrics: opts.metrics,
      logger: opts.logger,
      linger: (txn, offer) => this.takeOver(txn, offer),
    };
    this.reliableTimers = timerSet(true, opts.timers);
    this.unreliableTimers = timerSet(false, opts.timers);
    opts.transport.onMessage = (m) => this.receive(m);
    opts.transport.onError = (e) => this.receiveError(e);
  }

  /** The timer values used for a transport (`'UDP'`, `'TCP'`…). */
  timersFor(transport: string): TimerSet {
    return this.transport.isReliable(transport) ? this.reliableTimers : this.unreliableTimers;
  }

  /**
   * Starts a client transaction for `req` (any method but ACK) towards `dest` and sends the request.
   * INVITE → {@link InviteClientTransaction} (with `cancel()`), anything else →
   * {@link NonInviteClientTransaction}. Every 2xx of a forked INVITE reaches `listener.onFinal`.
   */
  sendRequest(
    req: SipRequest,
    dest: Endpoint,
    listener: ClientTransactionListener,
    opts?: SendRequestOptions,
  ): ClientTransaction {
    if (this.closed) throw new Error('TransactionLayer is closed');
    if (req.method === 'ACK') throw new TypeError('ACK is not sent in a transaction: use sendStateless()');
    let branch: string | undefined;
    if (opts?.addVia === false) {
      branch = req.branch;
      if (branch === undefined) throw new TypeError('request has no top Via branch (addVia: false)');
    } else {
      branch = this.ids.branch();
      req.prepend('Via', this.viaValue(dest.transport, branch));
    }
    const key = clientKey(branch, req.cseq.method);
    if (this.clients.has(key)) throw new Error(`a client transaction with branch ${branch} already exists`);
    const timers = this.timersFor(dest.transport);
    let txn: ClientTransaction;
    if (req.method === 'INVITE') {
      txn = new InviteClientTransaction({
        env: this.env,
        timers,
        request: req,
        destination: dest,
        listener,
        sendCancel: (cancel, to) => {
          if (!this.closed) this.sendRequest(cancel, to, NOOP_LISTENER, { addVia: false });
        },
      });
      this.counts.clientInvite++;
    } else {
      txn = new NonInviteClientTransaction({
        env: this.env,
        timers,
        request: req,
        destination: dest,
        listener,
      });
      this.counts.clientNonInvite++;
    }
    this.clients.set(key, txn);
    txn.owner = this;
    txn.ownerKey = key;
    this.env.metrics?.('client-created');
    txn.start();
    return txn;
  }

  /**
   * Sends outside any transaction: a request (the ACK for a 2xx, §13.2.2.4) to `dest`, or a response
   * (a 2xx retransmitted by the UA core, a stateless answer) by its top Via on `connectionId` if given.
   */
  sendStateless(msg: SipRequest | SipResponse, dest?: Endpoint, connectionId?: number): void {
    if (msg.kind === 'request') {
      if (!dest) throw new TypeError('sendStateless(request) needs a destination');
      this.transport.sendRequest(msg as SipRequest, dest);
    } else {
      this.transport.sendResponse(msg as SipResponse, connectionId);
    }
  }

  /** @internal {@link TransactionOwner}: a transaction terminated; drop it from the indexes. */
  detach(txn: Transaction<string>): void {
    const t = txn as ClientTransaction | ServerTransaction;
    const key = t.ownerKey;
    t.owner = undefined;
    if (t instanceof InviteClientTransaction || t instanceof NonInviteClientTransaction) {
      if (this.clients.get(key) === t) this.clients.delete(key);
      if (t.kind === 'invite') this.counts.clientInvite--;
      else this.counts.clientNonInvite--;
      return;
    }
    if (this.servers.get(key) === t) this.servers.delete(key);
    else if (this.servers2543.get(key) === t) this.servers2543.delete(key);
    if (t.kind === 'invite') this.counts.serverInvite--;
    else this.counts.serverNonInvite--;
  }

  /** Live counts of transactions and armed timers. */
  stats(): TransactionLayerStats {
    return { ...this.counts, lingering: this.lingering.size, timers: this.env.counters.timers };
  }

  /** `TransactionEnvironment.linger`: a transaction of ours that only absorbs from now on is recorded. */
  private takeOver(txn: Transaction<string>, offer: LingerOffer): boolean {
    if (this.closed) return false;
    const t = txn as ClientTransaction | ServerTransaction;
    if (t.owner !== this) return false;
    const key = t.ownerKey;
    let index: Map<string, Lingering>;
    if (t instanceof InviteClientTransaction || t instanceof NonInviteClientTransaction)
      index = this.lingeringClients;
    else index = this.servers.get(key) === t ? this.lingeringServers : this.lingeringServers2543;
    this.lingering.add(index, key, offer);
    return true;
  }

  /**
   * Stops every transaction (timers cleared, no TU callbacks) and detaches from the transport's hooks.
   * Does not close the transport (the composition root owns it). Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const map of [this.clients, this.servers, this.servers2543] as Map<
      string,
      ClientTransaction | ServerTransaction
    >[]) {
      for (const txn of [...map.values()]) txn.dispose();
      map.clear();
    }
    this.lingering.clear();
    this.transport.onMessage = () => {};
    this.transport.onError = () => {};
  }

  // ---- inbound -------------------------------------------------------------------------------------

  private receive(m: InboundMessage): void {
    if (this.closed) return;
    try {
      if (m.message.kind === 'response') this.receiveResponse(m.message as SipResponse, m);
      else this.receiveRequest(m.message as SipRequest, m as InboundMessage & { message: SipRequest });
    } catch (err) {
      // No exception from network input escapes to the transport or the event loop.
      this.env.logger?.('error', 'inbound-message-failed', { err });
    }
  }

  private receiveResponse(res: SipResponse, m: InboundMessage): void {
    const branch = res.branch;
    const txn = branch === undefined ? undefined : this.clients.get(clientKey(branch, res.cseq.method));
    if (txn) {
      txn.receiveResponse(res);
      return;
    }
    const lingering =
      branch === undefined ? undefined : this.lingeringClients.get(clientKey(branch, res.cseq.method));
    if (lingering !== undefined) {
      this.lingeringResponse(lingering, res);
      return;
    }
    // §17.1.3: no match → the response goes to the TU (core) directly.
    this.env.metrics?.('stray-response');
    this.callUser('onStrayResponse', () => this.user.onStrayResponse(res, m));
  }

  private receiveRequest(req: SipRequest, m: InboundMessage & { message: SipRequest }): void {
    const via = req.topVia;
    if (!via) return; // the transport drops these already (§18.2.1)
    const method = req.method;
    // RFC 3261 branch (magic cookie and more) → §17.2.3 keys; otherwise RFC 2543 matching.
    const branch = hasMagicCookie(via.params.branch ?? undefined) ? (via.params.branch as string) : undefined;
    const cookie = branch !== undefined;
    const map = cookie ? this.servers : this.servers2543;

    if (method === 'ACK') {
      // §17.2.3: an ACK matches the INVITE server transaction (method INVITE).
      const txn = map.get(
        branch !== undefined ? serverKey(branch, via, 'INVITE') : rfc2543Key(req, via, 'INVITE'),
      );
      if (txn && txn.kind === 'invite' && (cookie || this.ackToTagMatches(req, txn)) && txn.receiveAck())
        return;
      if (txn === undefined) {
        const l = (cookie ? this.lingeringServers : this.lingeringServers2543).get(
          branch !== undefined ? serverKey(branch, via, 'INVITE') : rfc2543Key(req, via, 'INVITE'),
        );
        // Confirmed: the ACK of our non-2xx, retransmitted (§17.2.1). Accepted: the 2xx's ACK → TU.
        if (
          l !== undefined &&
          l.state.kind === 'server-invite-confirmed' &&
          (cookie || l.responseToTag === undefined || l.responseToTag === req.toTag)
        ) {
          this.env.metrics?.('request-absorbed');
          return;
        }
      }
      this.env.metrics?.('ack-to-user');
      this.callUser('onAck', () => this.user.onAck(req, m));
      return;
    }

    const key = branch !== undefined ? serverKey(branch, via, method) : rfc2543Key(req, via, method);
    const existing = map.get(key);
    if (existing && (cookie || existing.request.toTag === req.toTag)) {
      existing.receiveRequest(); // §17.2.1 / §17.2.2: retransmission, absorbed
      return;
    }
    const lingeringMap = cookie ? this.lingeringServers : this.lingeringServers2543;
    const lingering = existing === undefined ? lingeringMap.get(key) : undefined;
    if (lingering !== undefined && (cookie || lingering.requestToTag === req.toTag)) {
      this.lingeringRequest(lingering);
      return;
    }

    if (method === 'CANCEL') {
      const cancelTxn = this.createServer(m, key, map) as NonInviteServerTransaction;
      // §9.2: the CANCEL cancels the INVITE transaction matching it (method INVITE; RFC 2543: To tag too).
      const found = map.get(
        branch !== undefined ? serverKey(branch, via, 'INVITE') : rfc2543Key(req, via, 'INVITE'),
      );
      const inviteTxn =
        found && found.kind === 'invite' && (cookie || found.request.toTag === req.toTag) ? found : undefined;
      // An INVITE that already got its final answer (lingering) is matched too: the TU answers the CANCEL
      // (200) and there is nothing left to cancel.
      const answered =
        inviteTxn === undefined &&
        found === undefined &&
        lingeringMap
          .get(branch !== undefined ? serverKey(branch, via, 'INVITE') : rfc2543Key(req, via, 'INVITE'))
          ?.state.kind.startsWith('server-invite') === true;
      if (!inviteTxn && !answered && this.answerUnmatchedCancel) {
        // §9.2: no matching transaction → 481 Call/Transaction Does Not Exist.
        this.env.metrics?.('cancel-unmatched');
        cancelTxn.respond(createResponse(req, 481, undefined, { toTag: req.toTag ?? this.ids.tag() }));
        return;
      }
      this.callUser('onCancel', () => this.user.onCancel(req, cancelTxn, inviteTxn));
      return;
    }

    const txn = this.createServer(m, key, map);
    this.callUser('onRequest', () => this.user.onRequest(req, txn));
  }

  /** A retransmitted request matched a lingering server transaction. */
  private lingeringRequest(l: Lingering): void {
    const st = l.state;
    if (st.kind === 'server-non-invite') {
      // §17.2.2 Completed: the final response again.
      this.env.metrics?.('response-retransmitted');
      this.transport.sendResponse(fromWire(st.wire) as SipResponse, st.connectionId);
      return;
    }
    // INVITE Accepted / Confirmed: absorbed (§17.2.1, RFC 6026 §8.7).
    this.env.metrics?.('request-absorbed');
  }

  /** A response matched a lingering client transaction. */
  private lingeringResponse(l: Lingering, res: SipResponse): void {
    const st = l.state;
    if (st.kind === 'client-invite-accepted' && res.status >= 200 && res.status < 300) {
      // RFC 6026 §8.4: every 2xx — a retransmission or another fork — goes to the TU to be ACKed.
      this.callUser('onFinal', () => st.listener.onFinal(res));
      return;
    }
    if (st.kind === 'client-invite-completed' && res.status >= 300) {
      // §17.1.1.2 Completed: the retransmitted final response gets the ACK again.
      this.env.metrics?.('ack-sent');
      this.transport.sendRequest(fromWire(st.wire) as SipRequest, st.destination);
      return;
    }
    this.env.metrics?.('response-absorbed');
  }

  /** RFC 2543 ACK: its To tag must equal the To tag of the response the transaction sent (§17.2.3). */
  private ackToTagMatches(ack: SipRequest, txn: InviteServerTransaction): boolean {
    const sent = txn.lastResponse;
    return sent === undefined || sent.toTag === ack.toTag;
  }

  private createServer(
    m: InboundMessage & { message: SipRequest },
    key: string,
    map: Map<string, ServerTransaction>,
  ): ServerTransaction {
    const timers = this.timersFor(m.source.transport);
    let txn: ServerTransaction;
    if (m.message.method === 'INVITE') {
      txn = new InviteServerTransaction({ env: this.env, timers, inbound: m });
      this.counts.serverInvite++;
    } else {
      txn = new NonInviteServerTransaction({ env: this.env, timers, inbound: m });
      this.counts.serverNonInvite++;
    }
    map.set(key, txn);
    txn.owner = this;
    txn.ownerKey = key;
    this.env.metrics?.('server-created');
    if (txn.kind === 'invite') txn.start();
    return txn;
  }

  /**
   * §17.1.4 / §17.2.4: a transport failure goes to the transaction that sent the failed message (by
   * identity of the request, ACK or last response); without the message, to the client transactions
   * towards that destination and the server transactions whose request came from it. Errors are rare,
   * so this is a scan, not an index.
   */
  private receiveError(err: TransportError): void {
    if (this.closed) return;
    try {
      const msg = err.message;
      for (const txn of this.clients.values()) {
        const hit = msg
          ? msg === txn.request || (txn.kind === 'invite' && msg === txn.ack)
          : sameEndpoint(txn.destination, err.dest);
        if (hit) txn.transportError(err);
      }
      for (const map of [this.servers, this.servers2543]) {
        for (const txn of map.values()) {
          const hit = msg ? msg === txn.lastResponse : sameEndpoint(txn.inbound.source, err.dest);
          if (hit) txn.transportError(err);
        }
      }
    } catch (e) {
      this.env.logger?.('error', 'transport-error-handling-failed', { err: e });
    }
  }

  private callUser(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.env.logger?.('error', 'transaction-user-threw', { what, err });
    }
  }

  private viaValue(transport: string, branch: string): string {
    const local = this.transport.localEndpoint(transport);
    const host =
      local.address.includes(':') && !local.address.startsWith('[') ? `[${local.address}]` : local.address;
    return `SIP/2.0/${transport} ${host}:${local.port};branch=${branch};rport`;
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address && a.transport === b.transport;
}

/** A message a lingering record kept as its bytes (latin1), parsed again to be resent. */
function fromWire(wire: string): SipRequest | SipResponse {
  return parseMessage(Buffer.from(wire, 'latin1'));
}
