/**
 * Digest algorithms and HA1 (RFC 7616 §3.4.2, RFC 8760 §2). ringd stores HA1 values only — the hash
 * of `username:realm:password` — never the password itself (RFC 7616 §5.2, RFC 3261 §22.4).
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

/** `crypto.hash` (one-shot, Node ≥ 20.12), when this Node.js has it. */
const oneShot = (crypto as { hash?: (alg: string, data: string | Uint8Array, enc: 'hex') => string }).hash;

/** The base digest algorithms ringd supports; HA1 storage exists for each of them. */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

/**
 * Every `algorithm=` value ringd understands. The `-sess` variants (RFC 7616 §3.4.2) derive a
 * per-nonce HA1 from the stored base HA1, so they need no extra storage.
 * SHA-512-256 (RFC 7616, RFC 8760) is not supported: a challenge with it is ignored by the client
 * (RFC 7616 §3.7 lets a client skip algorithms it does not know) and never offered by the server.
 */
export type DigestAlgorithmName = DigestAlgorithm | 'MD5-sess' | 'SHA-256-sess';

/** The HA1 of one credential for every supported base algorithm (what a user store keeps). */
export interface Ha1Set {
  /** Lower-case hex MD5 of `username:realm:password` (32 characters). */
  md5: string;
  /** Lower-case hex SHA-256 of `username:realm:password` (64 characters). */
  sha256: string;
}

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** Length of a hex digest of each base algorithm. */
export const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { MD5: 32, 'SHA-256': 64 };

/**
 * Reads an `algorithm=` value, case-insensitively (RFC 7616 §3.3 compares tokens that way).
 * An absent value means MD5 (RFC 7616 §3.3, RFC 3261 §25 default). Unknown values give `undefined`.
 */
export function parseAlgorithm(value: string | undefined): DigestAlgorithmName | undefined {
  if (value === undefined) return 'MD5';
  switch (value.toUpperCase()) {
    case 'MD5':
      return 'MD5';
    case 'MD5-SESS':
      return 'MD5-sess';
    case 'SHA-256':
      return 'SHA-256';
    case 'SHA-256-SESS':
      return 'SHA-256-sess';
    default:
      return undefined;
  }
}

/** The base algorithm of a (possibly `-sess`) algorithm: the one whose HA1 is stored. */
export function baseAlgorithm(algorithm: DigestAlgorithmName): DigestAlgorithm {
  return algorithm === 'MD5' || algorithm === 'MD5-sess' ? 'MD5' : 'SHA-256';
}

/** True for the `-sess` variants. */
export function isSessionAlgorithm(algorithm: DigestAlgorithmName): boolean {
  return algorithm === 'MD5-sess' || algorithm === 'SHA-256-sess';
}

/** Relative strength used to pick among challenges and to order them: higher is stronger. */
export function algorithmStrength(algorithm: DigestAlgorithmName): number {
  switch (algorithm) {
    case 'SHA-256':
      return 4;
    case 'SHA-256-sess':
      return 3;
    case 'MD5':
      return 2;
    case 'MD5-sess':
      return 1;
  }
}

/** `H(data)`: lower-case hex digest of the UTF-8 bytes of `data` (or of raw bytes). */
export function hashHex(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  // One-shot hashing (Node ≥ 20.12) skips building a Hash object: two of these per authenticated request.
  if (oneShot !== undefined) return oneShot(NODE_HASH[algorithm], data, 'hex');
  const h = createHash(NODE_HASH[algorithm]);
  if (typeof data === 'string') h.update(data, 'utf8');
  else h.update(data);
  return h.digest('hex');
}

/**
 * HA1 = `H(username ":" realm ":" password)` (RFC 7616 §3.4.2). For a `-sess` algorithm this is
 * still the base HA1 (what is stored); {@link sessionHa1} derives the per-nonce value.
 */
export function computeHa1(
  algorithm: DigestAlgorithmName,
  username: string,
  realm: string,
  password: string,
): string {
  return hashHex(baseAlgorithm(algorithm), `${username}:${realm}:${password}`);
}

/** Session HA1 for `-sess` algorithms: `H(H(username:realm:password) ":" nonce ":" cnonce)` (§3.4.2). */
export function sessionHa1(algorithm: DigestAlgorithm, ha1: string, nonce: string, cnonce: string): string {
  return hashHex(algorithm, `${ha1}:${nonce}:${cnonce}`);
}

/** Both stored HA1 values of a credential — what a registrar keeps instead of the password. */
export function computeHa1Set(username: string, realm: string, password: string): Ha1Set {
  return {
    md5: computeHa1('MD5', username, realm, password),
    sha256: computeHa1('SHA-256', username, realm, password),
  };
}

/** Picks the HA1 of `algorithm`'s base algorithm out of a (possibly partial) {@link Ha1Set}. */
export function ha1For(set: Partial<Ha1Set>, algorithm: DigestAlgorithmName): string | undefined {
  return baseAlgorithm(algorithm) === 'MD5' ? set.md5 : set.sha256;
}
