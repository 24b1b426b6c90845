/**
 * Bounded memory of the nonce-counts seen per used nonce (RFC 7616 §3.4 `nc`, §5.5 replay
 * protection; RFC 3261 §22.4). A nonce enters the table on its first successful use; the table is
 * swept of expired nonces on the injected clock (no interval timer), and when it is full the
 * earliest-used entry is evicted. Eviction must not reopen a replay: the issue time of every evicted
 * live nonce raises a watermark, and an untracked nonce issued at or before it is reported `forgotten`
 * (the server then asks for a fresh nonce with stale=true) instead of being accepted as new.
 */

/** Outcome of {@link NonceCounts.use}. */
export type NonceCountVerdict =
  /** `nc` is higher than any seen for this nonce; it is now recorded. */
  | 'ok'
  /** `nc` is not strictly higher than the last one seen: a replay or a reuse (§5.5). */
  | 'replay'
  /** The nonce may have been evicted while live; its history is unknown, so it is refused. */
  | 'forgotten';

interface Entry {
  nc: number;
  issuedAt: number;
}

/** Last nonce-count per nonce, capped at `max` entries. */
export class NonceCounts {
  readonly #entries = new Map<string, Entry>(); // insertion order = order of first use
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #sweepEveryMs: number;
  #nextSweepAt: number;
  #watermark = -Infinity;

  /**
   * @param max Most nonces tracked at once (memory bound).
   * @param ttlMs Nonce time-to-live: an entry older than this is useless (its nonce is expired).
   */
  constructor(max: number, ttlMs: number, now: number) {
    if (!(max >= 1) || !Number.isInteger(max))
      throw new RangeError('max tracked nonces must be a positive integer');
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#sweepEveryMs = Math.max(1, ttlMs / 2);
    this.#nextSweepAt = now + this.#sweepEveryMs;
  }

  /** Number of nonces currently tracked (never more than `max`). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records `nc` for `nonce` if it is strictly higher than the last one seen. Call only after the
   * response has been verified, so unauthenticated requests cannot consume counts or memory.
   */
  use(nonce: string, issuedAt: number, nc: number, now: number): NonceCountVerdict {
    if (now >= this.#nextSweepAt) this.#sweep(now);
    const entry = this.#entries.get(nonce);
    if (entry !== undefined) {
      if (nc <= entry.nc) return 'replay';
      entry.nc = nc;
      return 'ok';
    }
    if (issuedAt <= this.#watermark) return 'forgotten';
    if (this.#entries.size >= this.#max) this.#makeRoom(now);
    this.#entries.set(nonce, { nc, issuedAt });
    return 'ok';
  }

  /** O(1) per call: full sweeps happen only on their clock schedule, never once per insert. */
  #makeRoom(now: number): void {
    while (this.#entries.size >= this.#max) {
      const first = this.#entries.entries().next();
      if (first.done === true) return;
      const [nonce, entry] = first.value;
      this.#entries.delete(nonce);
      if (now - entry.issuedAt <= this.#ttlMs && entry.issuedAt > this.#watermark)
        this.#watermark = entry.issuedAt;
    }
  }

  #sweep(now: number): void {
    this.#nextSweepAt = now + this.#sweepEveryMs;
    for (const [nonce, entry] of this.#entries) {
      if (now - entry.issuedAt > this.#ttlMs) this.#entries.delete(nonce);
    }
  }
}
