/**
 * What a transaction still does once it only absorbs retransmissions, and the layer's store of those.
 *
 * After its final response a transaction waits up to 64·T1 (Timers J, L, M on UDP; I, K = T4; D = 32 s)
 * only to absorb retransmissions (RFC 3261 §17, RFC 6026 §8). At a thousand calls a second that is tens of
 * thousands of transactions, each holding its messages, listeners and timers — and the garbage collector
 * copied them all on every scavenge: it was what capped ringd's call rate. So, inside a layer, a
 * transaction entering such a state hands over to a {@link Lingering} record holding only what the state
 * needs (the response to resend, the ACK to resend, the listener that re-ACKs a 2xx), and terminates.
 * Records expire in insertion order per duration (one timer per duration, not one per transaction).
 * A transaction used on its own (no layer) keeps its timer and behaves as the diagrams say.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { Endpoint } from '../message/index.ts';
import type { ClientTransactionListener } from './client-listener.ts';

/** What a lingering transaction does, by the state it left. */
export type LingerState =
  /** INVITE server, `Accepted` (RFC 6026 §8.7): INVITE retransmissions absorbed, the 2xx's ACK goes to the TU. */
  | { kind: 'server-invite-accepted' }
  /** INVITE server, `Confirmed` (§17.2.1, Timer I): INVITE and ACK retransmissions absorbed. */
  | { kind: 'server-invite-confirmed' }
  /**
   * Non-INVITE server, `Completed` (§17.2.2, Timer J): a retransmitted request gets the final response again.
   * `wire`: the response's bytes as a latin1 string — one flat string instead of a message's object graph for
   * 32 s (parsed again only when a retransmission comes).
   */
  | { kind: 'server-non-invite'; wire: string; connectionId: number | undefined }
  /** INVITE client, `Accepted` (RFC 6026 §8.4, Timer M): every 2xx (retransmitted, other forks) to the TU. */
  | { kind: 'client-invite-accepted'; listener: ClientTransactionListener }
  /**
   * INVITE client, `Completed` (§17.1.1.2, Timer D): a retransmitted final response gets the ACK again
   * (`wire`: the ACK's bytes, latin1, as above).
   */
  | { kind: 'client-invite-completed'; wire: string; destination: Endpoint }
  /** Non-INVITE client, `Completed` (§17.1.2.2, Timer K): response retransmissions absorbed. */
  | { kind: 'client-non-invite' };

/** A lingering transaction: its state, its key in the layer, when it ends. */
export interface Lingering {
  readonly state: LingerState;
  readonly key: string;
  /** To tag of the request (RFC 2543 matching of server transactions, §17.2.3). */
  readonly requestToTag: string | undefined;
  /** To tag of the response sent (RFC 2543 matching of the ACK). */
  readonly responseToTag: string | undefined;
  readonly expiresAt: number;
  /** The map it is indexed in (removed from it on expiry). */
  readonly index: Map<string, Lingering>;
}

/** A transaction's offer to linger (`TransactionEnvironment.linger`): taken when the layer returns true. */
export interface LingerOffer {
  state: LingerState;
  /** How long the state lasts (the timer the transaction would have armed), ms. */
  ms: number;
  requestToTag: string | undefined;
  responseToTag: string | undefined;
}

/** Queues of lingering records by duration, each expiring in order with one timer. */
export class LingerStore {
  private readonly queues = new Map<
    number,
    { items: Lingering[]; head: number; timer: TimerHandle | undefined }
  >();
  private count = 0;

  constructor(private readonly clock: Clock) {}

  /** Records lingering now. */
  get size(): number {
    return this.count;
  }

  /** Indexes a record under `key` in `index` for `offer.ms`. */
  add(index: Map<string, Lingering>, key: string, offer: LingerOffer): void {
    const rec: Lingering = {
      state: offer.state,
      key,
      requestToTag: offer.requestToTag,
      responseToTag: offer.responseToTag,
      expiresAt: this.clock.now() + offer.ms,
      index,
    };
    const old = index.get(key);
    if (old !== undefined) this.count--; // replaced (a key reused within the window): the old one is gone
    index.set(key, rec);
    this.count++;
    let q = this.queues.get(offer.ms);
    if (q === undefined) {
      q = { items: [], head: 0, timer: undefined };
      this.queues.set(offer.ms, q);
    }
    q.items.push(rec);
    if (q.timer === undefined) this.arm(offer.ms, q);
  }

  /** Drops everything (layer closing). */
  clear(): void {
    for (const q of this.queues.values()) {
      if (q.timer !== undefined) this.clock.clearTimer(q.timer);
      for (let i = q.head; i < q.items.length; i++) q.items[i].index.delete(q.items[i].key);
    }
    this.queues.clear();
    this.count = 0;
  }

  private arm(ms: number, q: { items: Lingering[]; head: number; timer: TimerHandle | undefined }): void {
    const first = q.items[q.head];
    q.timer = this.clock.setTimer(Math.max(0, first.expiresAt - this.clock.now()), () => {
      q.timer = undefined;
      const now = this.clock.now();
      while (q.head < q.items.length && q.items[q.head].expiresAt <= now) {
        const rec = q.items[q.head++];
        if (rec.index.get(rec.key) === rec) {
          rec.index.delete(rec.key);
          this.count--;
        }
      }
      if (q.head === q.items.length) {
        this.queues.delete(ms);
        return;
      }
      if (q.head > 1024 && q.head * 2 > q.items.length) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
      this.arm(ms, q);
    });
  }
}
