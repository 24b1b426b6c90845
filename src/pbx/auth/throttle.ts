/**
 * Brute-force throttle for device authentication. Failed attempts are counted per source address and per
 * (tenant, username) in a sliding window; past the limit, that address or username is refused for a
 * cooldown that doubles on each repeat (up to a cap), then allowed again. Never a permanent lock-out:
 * a phone resending a wrong password in a burst (baresip: ~16 times in milliseconds) is blocked for a
 * minute, not for good; and a device that has authenticated from an address before is not blocked by
 * that address's throttle (an office behind one NAT address keeps working when one phone is misconfigured).
 * Memory is bounded: each map holds at most `maxEntries`, the least recently used evicted first.
 */
import type { Clock } from '../../sip/clock.ts';

/** Options of {@link AuthThrottle}; every field has a default. */
export interface ThrottleOptions {
  /** Failures within `windowMs` that start a cooldown. Default 10. */
  maxFailures?: number;
  /** Sliding window in ms. Default 60 000. */
  windowMs?: number;
  /** First cooldown in ms. Default 60 000; doubles on each repeat. */
  cooldownMs?: number;
  /** Longest cooldown in ms. Default 900 000 (15 minutes). */
  maxCooldownMs?: number;
  /** Most addresses and most usernames tracked (each). Default 10 000. */
  maxEntries?: number;
  /** How long a successful (address, username) pair stays exempt from the address throttle. Default 24 h. */
  trustMs?: number;
}

/** Logs a throttle start. */
export type ThrottleLog = (msg: string, o?: object) => void;

/** What is blocked: the source address, the username, or nothing. */
export type ThrottleVerdict = 'address' | 'username' | undefined;

interface Counter {
  /** Failure times within the window, oldest first (at most `maxFailures`). */
  failures: number[];
  /** Blocked until this time (0 = not blocked). */
  blockedUntil: number;
  /** Cooldowns started so far (the next one lasts `cooldownMs * 2^strikes`). */
  strikes: number;
  /** When the last cooldown ended or would end; strikes are forgotten after a long quiet period. */
  lastBlockEnd: number;
}

const DEFAULTS = {
  maxFailures: 10,
  windowMs: 60_000,
  cooldownMs: 60_000,
  maxCooldownMs: 900_000,
  maxEntries: 10_000,
  trustMs: 86_400_000,
};

/** Counts failures and decides whether a request is refused. Uses only the injected clock. */
export class AuthThrottle {
  readonly #clock: Clock;
  readonly #log: ThrottleLog;
  readonly #o: Required<ThrottleOptions>;
  /** Insertion order = least recently touched first (entries are re-inserted on use). */
  readonly #addresses = new Map<string, Counter>();
  readonly #users = new Map<string, Counter>();
  /** `address\0userKey` → trusted until (epoch of the clock). */
  readonly #trusted = new Map<string, number>();

  constructor(clock: Clock, options: ThrottleOptions = {}, log?: ThrottleLog) {
    this.#clock = clock;
    this.#log = log ?? (() => {});
    this.#o = { ...DEFAULTS, ...stripUndefined(options) };
    if (this.#o.maxFailures < 1) throw new RangeError('maxFailures must be at least 1');
    if (this.#o.maxEntries < 1) throw new RangeError('maxEntries must be at least 1');
  }

  /** Entries held (addresses, usernames, trusted pairs): bounded by `maxEntries` each. */
  get size(): { addresses: number; usernames: number; trusted: number } {
    return { addresses: this.#addresses.size, usernames: this.#users.size, trusted: this.#trusted.size };
  }

  /**
   * Whether a request from `address` for `userKey` (`tenantId:username`, or undefined when unknown) is
   * refused now. The username's block always applies; the address's block does not apply to a username
   * that has authenticated from this address recently.
   */
  check(address: string, userKey: string | undefined): ThrottleVerdict {
    const now = this.#clock.now();
    if (userKey !== undefined && isBlocked(this.#users.get(userKey), now)) return 'username';
    if (isBlocked(this.#addresses.get(address), now)) {
      if (userKey !== undefined && this.#isTrusted(address, userKey, now)) return undefined;
      return 'address';
    }
    return undefined;
  }

  /** Records a failed attempt (wrong password, unknown user); may start a cooldown, which is logged. */
  recordFailure(address: string, userKey: string | undefined): void {
    const now = this.#clock.now();
    const a = this.#bump(this.#addresses, address, now);
    if (a !== undefined) {
      this.#log('auth throttle started', { scope: 'address', address, username: userKey, ...a });
    }
    if (userKey !== undefined) {
      const u = this.#bump(this.#users, userKey, now);
      if (u !== undefined) {
        this.#log('auth throttle started', { scope: 'username', address, username: userKey, ...u });
      }
    }
  }

  /** Records a success: the username's counter is reset and the (address, username) pair trusted. */
  recordSuccess(address: string, userKey: string): void {
    this.#users.delete(userKey);
    const key = address + '\0' + userKey;
    this.#trusted.delete(key);
    this.#trusted.set(key, this.#clock.now() + this.#o.trustMs);
    evict(this.#trusted, this.#o.maxEntries);
  }

  #isTrusted(address: string, userKey: string, now: number): boolean {
    const key = address + '\0' + userKey;
    const until = this.#trusted.get(key);
    if (until === undefined) return false;
    if (until <= now) {
      this.#trusted.delete(key);
      return false;
    }
    return true;
  }

  /** Adds a failure; returns log details when this failure starts a cooldown. */
  #bump(
    map: Map<string, Counter>,
    key: string,
    now: number,
  ): { count: number; cooldownMs: number } | undefined {
    const o = this.#o;
    let c = map.get(key);
    if (c === undefined) {
      c = { failures: [], blockedUntil: 0, strikes: 0, lastBlockEnd: 0 };
    } else {
      map.delete(key); // re-inserted below: most recently used last
    }
    map.set(key, c);
    evict(map, o.maxEntries);

    if (c.blockedUntil > now) return undefined; // already blocked: nothing more to count
    // A long quiet period since the last cooldown forgives earlier strikes.
    if (c.strikes > 0 && now - c.lastBlockEnd > o.maxCooldownMs) c.strikes = 0;
    const from = now - o.windowMs;
    let drop = 0;
    while (drop < c.failures.length && c.failures[drop] <= from) drop++;
    if (drop > 0) c.failures.splice(0, drop);
    c.failures.push(now);
    if (c.failures.length < o.maxFailures) return undefined;

    const count = c.failures.length;
    const cooldownMs = Math.min(o.cooldownMs * 2 ** c.strikes, o.maxCooldownMs);
    c.strikes++;
    c.failures = [];
    c.blockedUntil = now + cooldownMs;
    c.lastBlockEnd = c.blockedUntil;
    return { count, cooldownMs };
  }
}

function isBlocked(c: Counter | undefined, now: number): boolean {
  return c !== undefined && c.blockedUntil > now;
}

function evict<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) return;
    map.delete(oldest.value);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
