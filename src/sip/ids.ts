import { randomBytes } from 'node:crypto';

/**
 * Source of the random identifiers the SIP core mints. Injected so tests get deterministic ids.
 */
export interface IdSource {
  /** A Via branch, always starting with the RFC 3261 magic cookie `z9hG4bK` (§8.1.1.7). */
  branch(): string;
  /** A From/To tag (§19.3: at least 32 bits of randomness). */
  tag(): string;
  /** A Call-ID, globally unique (§8.1.1.4). */
  callId(): string;
  /** A nonce / opaque value for digest authentication (hex, 128 bits or more). */
  nonce(): string;
}

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolAt = 0;

function randomHex(bytes: number): string {
  if (poolAt + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  const s = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return s;
}

/** Cryptographically random ids (pooled `crypto.randomBytes`, so minting one is cheap). */
export const randomIds: IdSource = {
  branch: () => 'z9hG4bK' + randomHex(10),
  tag: () => randomHex(8),
  callId: () => randomHex(16),
  nonce: () => randomHex(16),
};

/** Deterministic ids for tests: `z9hG4bK-b1`, `t1`, `c1@test`, `n1`… */
export function sequentialIds(prefix = ''): IdSource {
  let n = 0;
  return {
    branch: () => `z9hG4bK-${prefix}b${++n}`,
    tag: () => `${prefix}t${++n}`,
    callId: () => `${prefix}c${++n}@test`,
    nonce: () => `${prefix}n${++n}`,
  };
}
