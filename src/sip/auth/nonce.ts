/**
 * Self-validating digest nonces (RFC 7616 §3.3 suggests `time-stamp H(time-stamp ":" ETag ":" secret)`;
 * §5.4 on limited-use nonces). A nonce is `ts · random · mac` where `ts` is the issue time on the
 * injected clock (12 hex digits, ms), `random` comes from the injected {@link IdSource} and `mac` is
 * the first 128 bits of HMAC-SHA-256(key, ts · random), base64url. The server therefore keeps no state
 * for a nonce until it is first used, and a nonce minted by another key (another process, a restart)
 * or altered in transit is recognised as not ours.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { IdSource } from '../ids.ts';

const TS_DIGITS = 12; // 48 bits of milliseconds
const MAC_BYTES = 16;
const MAC_CHARS = 22; // base64url of 16 bytes, unpadded

/** What {@link NonceSigner.check} found. */
export type NonceCheck =
  | { status: 'valid'; issuedAt: number }
  /** Ours, but older than the time-to-live: the client should retry with a fresh one (stale=true). */
  | { status: 'expired'; issuedAt: number }
  /** Not minted by this key (tampered, forged, or from before a restart). */
  | { status: 'invalid' };

/** Mints and checks nonces; holds the per-process HMAC key. */
export class NonceSigner {
  readonly #key: Uint8Array;
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #ttlMs: number;

  /**
   * @param key HMAC key (at least 16 bytes; keep it secret; a fresh random one per process is fine).
   * @param ttlMs How long a nonce stays valid after issue, on `clock`.
   */
  constructor(key: Uint8Array, clock: Clock, ids: IdSource, ttlMs: number) {
    if (key.length < 16) throw new RangeError('nonce key must be at least 16 bytes');
    if (!(ttlMs > 0)) throw new RangeError('nonce time-to-live must be positive');
    this.#key = key;
    this.#clock = clock;
    this.#ids = ids;
    this.#ttlMs = ttlMs;
  }

  /** Issues a fresh nonce stamped with the current clock time. */
  mint(): string {
    const ts = Math.max(0, Math.floor(this.#clock.now()));
    const body = ts.toString(16).padStart(TS_DIGITS, '0') + this.#ids.nonce();
    return body + this.#mac(body).toString('base64url');
  }

  /** Checks authenticity and age of a nonce received in credentials. Never throws. */
  check(nonce: string): NonceCheck {
    if (nonce.length <= TS_DIGITS + MAC_CHARS) return { status: 'invalid' };
    const body = nonce.slice(0, nonce.length - MAC_CHARS);
    // Compare the text, not decoded bytes: base64url has several spellings of the same bytes.
    const given = Buffer.from(nonce.slice(nonce.length - MAC_CHARS), 'latin1');
    const expected = Buffer.from(this.#mac(body).toString('base64url'), 'latin1');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 'invalid' };
    const issuedAt = parseInt(body.slice(0, TS_DIGITS), 16);
    const age = this.#clock.now() - issuedAt;
    // A nonce from the future cannot be ours on a monotonic clock.
    if (!Number.isFinite(issuedAt) || age < -1) return { status: 'invalid' };
    return age > this.#ttlMs ? { status: 'expired', issuedAt } : { status: 'valid', issuedAt };
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body, 'utf8').digest().subarray(0, MAC_BYTES);
  }
}
