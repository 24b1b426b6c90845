/**
 * Server side of digest authentication for registrars, proxies and UASs (RFC 3261 §22.1–§22.4,
 * RFC 7616 §3.3–§3.5, RFC 8760). Issues challenges and verifies credentials given as header value
 * strings; user passwords are never seen, only their HA1 through a lookup callback.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { IdSource } from '../ids.ts';
import { formatAuthValue, isDigestScheme, parseAuthValue } from './auth-params.ts';
import { computeDigestResponse, responsesEqual } from './digest-response.ts';
import type { DigestAlgorithm, DigestAlgorithmName } from './ha1.ts';
import { algorithmStrength, baseAlgorithm, HEX_LENGTH, parseAlgorithm } from './ha1.ts';
import { NonceCounts } from './nonce-counts.ts';
import { NonceSigner } from './nonce.ts';

/** Options of {@link DigestServer}. */
export interface DigestServerOptions {
  /** The protection space (RFC 7616 §3.3 `realm`); compared case-sensitively with the credentials'. */
  realm: string;
  /** Time source for nonce issue and expiry. */
  clock: Clock;
  /** Source of the random part of nonces and of the `opaque` value. */
  ids: IdSource;
  /** HMAC key for nonce signing (≥ 16 bytes). Default: 32 random bytes per process, so nonces do not
   * survive a restart (clients holding one get `stale`, see {@link DigestServer.verify}). Share one
   * key between processes that must accept each other's nonces. */
  secret?: Uint8Array;
  /** Nonce lifetime in ms. Default 300 000 (5 minutes). */
  nonceTtlMs?: number;
  /** Algorithms offered and accepted. Default `['SHA-256', 'MD5']`. Challenges are always emitted
   * strongest first whatever the order given here (RFC 7616 §3.7, RFC 8760 §2.3). */
  algorithms?: readonly DigestAlgorithmName[];
  /** The only quality of protection offered and accepted: `auth` (RFC 7616 §3.3). */
  qop?: 'auth';
  /** Most used nonces whose nonce-count is remembered (memory bound). Default 10 000. */
  maxTrackedNonces?: number;
  /** Compares the `uri` directive with the request's URI (RFC 7616 §3.4.6). Default: exact string
   * equality; pass a RFC 3261 §19.1.4 comparator when one is available. */
  uriMatches?: (digestUri: string, requestUri: string) => boolean;
}

/** Options of {@link DigestServer.challenge}. */
export interface ChallengeOptions {
  /** Add `stale=true`: the previous credentials were right but their nonce was not (RFC 7616 §3.3). */
  stale?: boolean;
  /** Challenge as a proxy (407, `Proxy-Authenticate`) instead of a UAS/registrar (401) (RFC 3261 §22.3). */
  proxy?: boolean;
}

/** Challenge header values to add to a 401 or 407 response, one header field per value. */
export interface Challenge {
  header: 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** One `Digest …` value per algorithm, strongest first. */
  values: string[];
}

/** Why {@link DigestServer.verify} refused credentials. */
export type DigestFailureReason =
  /** No credentials at all: send a challenge. */
  | 'missing'
  /** Not parseable, a required directive missing, no or unsupported `qop`, `userhash`, bad `nc`… */
  | 'malformed'
  /** A scheme other than Digest (RFC 4475 §3.3.7): send a Digest challenge. */
  | 'unknown-scheme'
  /** Digest credentials, but for another realm. */
  | 'realm'
  /** `lookupHa1` knows no such user. */
  | 'unknown-user'
  /** The response does not match: wrong password (or tampered request). */
  | 'bad-response'
  /** The response is right but the nonce is expired, not ours, or forgotten: challenge with stale=true. */
  | 'stale'
  /** The nonce-count did not increase: a replayed or reused request (RFC 7616 §3.4 `nc`, §5.5). */
  | 'replay'
  /** An algorithm this server does not accept. */
  | 'unsupported-algorithm'
  /** The `uri` directive does not designate this request's URI (RFC 7616 §3.4.6). */
  | 'uri-mismatch';

/** Result of {@link DigestServer.verify}. */
export type VerifyResult =
  | { ok: true; username: string; realm: string; algorithm: DigestAlgorithmName }
  | { ok: false; reason: DigestFailureReason };

/** Inputs of {@link DigestServer.verify}. */
export interface VerifyInput {
  /** The request method (A2). */
  method: string;
  /** The request's URI as received (Request-URI), to compare with the `uri` directive. */
  uri: string;
  /** The `Authorization` / `Proxy-Authorization` value(s); several are allowed, one per realm
   * (RFC 3261 §22.4): the one for this realm is used. */
  credentials: string | readonly string[] | undefined;
  /** Returns the stored HA1 (hex) of `username` in `realm` for the base `algorithm`, if known. */
  lookupHa1: (username: string, realm: string, algorithm: DigestAlgorithm) => string | undefined;
}

const DEFAULT_TTL_MS = 300_000;
const DEFAULT_MAX_TRACKED = 10_000;
const NC_RE = /^[0-9a-fA-F]{8}$/;

const failure = (reason: DigestFailureReason): VerifyResult => ({ ok: false, reason });

/** Issues digest challenges and verifies digest credentials for one realm. */
export class DigestServer {
  /** The realm this server protects. */
  readonly realm: string;
  readonly #clock: Clock;
  readonly #algorithms: readonly DigestAlgorithmName[];
  readonly #accepted: ReadonlySet<DigestAlgorithmName>;
  readonly #signer: NonceSigner;
  readonly #counts: NonceCounts;
  readonly #opaque: string;
  readonly #uriMatches: (digestUri: string, requestUri: string) => boolean;

  constructor(options: DigestServerOptions) {
    const ttl = options.nonceTtlMs ?? DEFAULT_TTL_MS;
    const algorithms = [...new Set<DigestAlgorithmName>(options.algorithms ?? ['SHA-256', 'MD5'])];
    if (algorithms.length === 0) throw new RangeError('at least one digest algorithm is required');
    // RFC 7616 §3.7 / RFC 8760 §2.3: most preferred (strongest) first. Array#sort is stable.
    algorithms.sort((a, b) => algorithmStrength(b) - algorithmStrength(a));
    this.realm = options.realm;
    this.#clock = options.clock;
    this.#algorithms = algorithms;
    this.#accepted = new Set(algorithms);
    this.#signer = new NonceSigner(options.secret ?? randomBytes(32), options.clock, options.ids, ttl);
    this.#counts = new NonceCounts(options.maxTrackedNonces ?? DEFAULT_MAX_TRACKED, ttl, options.clock.now());
    // The opaque value carries no state (the nonce validates itself); clients must echo it (§3.3).
    this.#opaque = options.ids.nonce();
    this.#uriMatches = options.uriMatches ?? ((a, b) => a === b);
  }

  /** Number of used nonces whose nonce-count is remembered (bounded by `maxTrackedNonces`). */
  get trackedNonces(): number {
    return this.#counts.size;
  }

  /**
   * Builds the challenge for a 401 (or 407 with `proxy`): one value per algorithm, strongest first,
   * all with the same fresh nonce, `qop="auth"` and the server's opaque (RFC 7616 §3.3, §3.7).
   */
  challenge(options: ChallengeOptions = {}): Challenge {
    const nonce = this.#signer.mint();
    const values = this.#algorithms.map((algorithm) => {
      const params: [string, string][] = [
        ['realm', this.realm],
        ['nonce', nonce],
        ['opaque', this.#opaque],
        ['algorithm', algorithm],
        ['qop', 'auth'],
      ];
      if (options.stale === true) params.push(['stale', 'true']);
      return formatAuthValue('Digest', params, 'challenge');
    });
    return { header: options.proxy === true ? 'Proxy-Authenticate' : 'WWW-Authenticate', values };
  }

  /**
   * Verifies credentials. Never throws on network input (only if `lookupHa1` throws). The nonce-count
   * is recorded only after the response is proven right, so failed attempts cost no memory.
   */
  verify(input: VerifyInput): VerifyResult {
    const picked = this.#pickCredentials(input.credentials);
    if (!picked.ok) return picked;
    const p = picked.params;

    const username = readUsername(p);
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return failure('malformed');
    }
    // We never offer userhash (RFC 7616 §3.4.4), so a hashed username cannot be resolved.
    if (p.get('userhash')?.toLowerCase() === 'true') return failure('malformed');

    const algorithm = parseAlgorithm(p.get('algorithm'));
    if (algorithm === undefined || !this.#accepted.has(algorithm)) return failure('unsupported-algorithm');

    // We always send qop="auth" (RFC 7616 §3.3). Deliberate refusal of RFC 2069-style credentials
    // without qop: they carry no nonce-count, so replays could not be detected.
    const qop = p.get('qop');
    const cnonce = p.get('cnonce');
    const ncText = p.get('nc');
    if (qop === undefined || qop.toLowerCase() !== 'auth') return failure('malformed');
    if (cnonce === undefined || cnonce.length === 0 || ncText === undefined || !NC_RE.test(ncText)) {
      return failure('malformed');
    }
    const nc = parseInt(ncText, 16);
    if (nc === 0) return failure('malformed');

    if (!this.#uriMatches(uri, input.uri)) return failure('uri-mismatch');

    const base = baseAlgorithm(algorithm);
    const ha1 = input.lookupHa1(username, this.realm, base);
    if (ha1 === undefined || ha1.length !== HEX_LENGTH[base]) return failure('unknown-user');
    // A response of the wrong length cannot match: skip the hashing (length is public).
    if (response.length !== HEX_LENGTH[base]) return failure('bad-response');

    const expected = computeDigestResponse({
      algorithm,
      ha1: ha1.toLowerCase(),
      nonce,
      method: input.method,
      uri,
      qop: 'auth',
      cnonce,
      nc: ncText,
    });
    if (!responsesEqual(expected, response)) return failure('bad-response');

    // The response proves knowledge of the password; only now does the nonce's freshness matter.
    const check = this.#signer.check(nonce);
    if (check.status !== 'valid') return failure('stale');
    const verdict = this.#counts.use(nonce, check.issuedAt, nc, this.#clock.now());
    if (verdict === 'replay') return failure('replay');
    if (verdict === 'forgotten') return failure('stale');
    return { ok: true, username, realm: this.realm, algorithm };
  }

  /** Chooses the Digest credentials for our realm among one or more header values. */
  #pickCredentials(
    credentials: string | readonly string[] | undefined,
  ): { ok: true; params: Map<string, string> } | { ok: false; reason: DigestFailureReason } {
    const list = typeof credentials === 'string' ? [credentials] : (credentials ?? []);
    let best: DigestFailureReason = 'missing';
    for (const value of list) {
      const parsed = parseAuthValue(value);
      if (parsed.ok && isDigestScheme(parsed.scheme)) {
        if (parsed.params.get('realm') === this.realm) return { ok: true, params: parsed.params };
        best = parsed.params.has('realm') ? worst(best, 'realm') : worst(best, 'malformed');
      } else if (!parsed.ok && parsed.error === 'empty') {
        continue;
      } else if (parsed.scheme !== undefined && !isDigestScheme(parsed.scheme)) {
        best = worst(best, 'unknown-scheme');
      } else {
        best = worst(best, 'malformed');
      }
    }
    return { ok: false, reason: best };
  }
}

/** With several unusable values, report the most specific problem. */
const RANK: Partial<Record<DigestFailureReason, number>> = {
  missing: 0,
  'unknown-scheme': 1,
  realm: 2,
  malformed: 3,
};
function worst(a: DigestFailureReason, b: DigestFailureReason): DigestFailureReason {
  return (RANK[b] ?? 0) > (RANK[a] ?? 0) ? b : a;
}

/** `username`, or `username*` in RFC 5987 `UTF-8''…` form (RFC 7616 §3.4); both present is malformed. */
function readUsername(p: Map<string, string>): string | undefined {
  const plain = p.get('username');
  const ext = p.get('username*');
  if (ext === undefined) return plain;
  if (plain !== undefined) return undefined;
  const m = /^utf-8'[^']*'(.*)$/i.exec(ext);
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}
