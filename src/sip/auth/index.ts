/**
 * Digest authentication (RFC 7616, RFC 8760, RFC 3261 §22): header value parsing and formatting,
 * HA1 storage helpers, the server ({@link DigestServer}) and client ({@link DigestClient}) sides.
 */
export type { AuthParseError, AuthParseResult, AuthValueKind } from './auth-params.ts';
export {
  formatAuthValue,
  isDigestScheme,
  isTokenString,
  parseAuthValue,
  quoteString,
} from './auth-params.ts';
export type { DigestAlgorithm, DigestAlgorithmName, Ha1Set } from './ha1.ts';
export {
  algorithmStrength,
  baseAlgorithm,
  computeHa1,
  computeHa1Set,
  ha1For,
  hashHex,
  parseAlgorithm,
  sessionHa1,
} from './ha1.ts';
export type { DigestQop, DigestResponseInput } from './digest-response.ts';
export { computeDigestResponse, responsesEqual } from './digest-response.ts';
export type { NonceCheck } from './nonce.ts';
export { NonceSigner } from './nonce.ts';
export type { NonceCountVerdict } from './nonce-counts.ts';
export { NonceCounts } from './nonce-counts.ts';
export type {
  Challenge,
  ChallengeOptions,
  DigestFailureReason,
  DigestServerOptions,
  VerifyInput,
  VerifyResult,
} from './digest-server.ts';
export { DigestServer } from './digest-server.ts';
export type {
  AuthorizeFailureReason,
  AuthorizeInput,
  AuthorizeResult,
  DigestChallenge,
  DigestClientOptions,
} from './digest-client.ts';
export {
  authorizationHeaderFor,
  DigestClient,
  DigestClientError,
  parseDigestChallenge,
} from './digest-client.ts';
