/**
 * The digest `response` computation shared by server and client (RFC 7616 §3.4.1–§3.4.3,
 * RFC 2617 §3.2.2, RFC 3261 §22.4), and a constant-time comparison of two responses.
 */
import { timingSafeEqual } from 'node:crypto';
import type { DigestAlgorithmName } from './ha1.ts';
import { baseAlgorithm, hashHex, isSessionAlgorithm, sessionHa1 } from './ha1.ts';

/** The `qop` values ringd computes. */
export type DigestQop = 'auth' | 'auth-int';

/** Inputs of {@link computeDigestResponse}. */
export interface DigestResponseInput {
  algorithm: DigestAlgorithmName;
  /** The stored (base) HA1 of the user, hex. For `-sess` the session HA1 is derived here. */
  ha1: string;
  nonce: string;
  /** Request method (A2). For ACK and CANCEL it is that method too (RFC 3261 §22.4). */
  method: string;
  /** The `uri` directive exactly as sent in the credentials (the digest-uri). */
  uri: string;
  /** `undefined` for RFC 2069 compatibility (no qop): then `cnonce` and `nc` are unused. */
  qop: DigestQop | undefined;
  /** Client nonce; required with qop and with `-sess` algorithms. */
  cnonce?: string;
  /** Nonce count as the 8 hex digits sent on the wire (`00000001`). */
  nc?: string;
  /** Message body for `auth-int` (A2 includes `H(entity-body)`); empty when absent. */
  body?: string | Uint8Array;
}

/**
 * `response` = `KD(HA1, nonce:nc:cnonce:qop:H(A2))` with qop, or `KD(HA1, nonce:H(A2))` without
 * (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 for the RFC 2069 form), where `A2 = method:uri[:H(body)]`
 * (§3.4.3) and, for `-sess`, `HA1 = H(H(user:realm:password):nonce:cnonce)` (§3.4.2).
 */
export function computeDigestResponse(input: DigestResponseInput): string {
  const alg = baseAlgorithm(input.algorithm);
  const cnonce = input.cnonce ?? '';
  const ha1 = isSessionAlgorithm(input.algorithm)
    ? sessionHa1(alg, input.ha1, input.nonce, cnonce)
    : input.ha1;
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${hashHex(alg, input.body ?? '')}`
      : `${input.method}:${input.uri}`;
  const ha2 = hashHex(alg, a2);
  if (input.qop === undefined) return hashHex(alg, `${ha1}:${input.nonce}:${ha2}`);
  return hashHex(alg, `${ha1}:${input.nonce}:${input.nc ?? ''}:${cnonce}:${input.qop}:${ha2}`);
}

/**
 * Compares an expected hex response with a received one in time independent of where they differ
 * (no early exit a timing attack could measure). Hex case is ignored. The length check leaks only the length,
 * which the algorithm already makes public.
 */
export function responsesEqual(expected: string, received: string): boolean {
  if (expected.length !== received.length) return false;
  const a = Buffer.from(expected.toLowerCase(), 'latin1');
  const b = Buffer.from(received.toLowerCase(), 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}
