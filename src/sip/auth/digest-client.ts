/**
 * Client side of digest authentication for UACs and trunks (RFC 3261 §22.2–§22.3, RFC 7616 §3.4,
 * RFC 8760 §2.4): answers a 401/407 challenge with an `Authorization` / `Proxy-Authorization` value.
 */
import type { IdSource } from '../ids.ts';
import { formatAuthValue, isDigestScheme, parseAuthValue } from './auth-params.ts';
import type { DigestQop } from './digest-response.ts';
import { computeDigestResponse } from './digest-response.ts';
import type { DigestAlgorithmName, Ha1Set } from './ha1.ts';
import { algorithmStrength, computeHa1, computeHa1Set, ha1For, HEX_LENGTH, parseAlgorithm } from './ha1.ts';

/** A Digest challenge the client can answer. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: DigestAlgorithmName;
  /** The qop the client will use: `auth` if offered, else `auth-int`, else none (RFC 2069 server). */
  qop: DigestQop | undefined;
  /** `stale=true`: the previous credentials were right, only the nonce was old (RFC 7616 §3.3). */
  stale: boolean;
  /** Index of the chosen value in the list given to {@link DigestClient.selectChallenge}. */
  index: number;
}

/** Inputs of {@link DigestClient.authorize}. */
export interface AuthorizeInput {
  /** The `WWW-Authenticate` / `Proxy-Authenticate` value(s) of the 401/407, or an already selected one. */
  challenge: string | readonly string[] | DigestChallenge;
  method: string;
  /** The Request-URI of the request being authorized (digest-uri, RFC 3261 §22.4). */
  uri: string;
  username: string;
  /** The password; or give `ha1`. Omit both to reuse what was used for this realm, on stale=true only. */
  password?: string;
  /** Stored HA1: a hex string (32 chars = MD5, 64 = SHA-256) or a set of both. */
  ha1?: string | Partial<Ha1Set>;
  /** Body of the request, for `qop=auth-int`. */
  body?: string | Uint8Array;
}

/** Why {@link DigestClient.tryAuthorize} could not produce credentials. */
export type AuthorizeFailureReason =
  /** No Digest challenge with a supported algorithm, qop, realm and nonce (for the HA1 given). */
  | 'no-usable-challenge'
  /** Neither password nor HA1, and no reusable credentials (only reused after stale=true). */
  | 'no-credentials'
  /** The username (or a challenge value) cannot be written in a header. */
  | 'invalid-input';

/** Result of {@link DigestClient.tryAuthorize}. */
export type AuthorizeResult =
  | { ok: true; value: string; challenge: DigestChallenge; nc: number }
  | { ok: false; reason: AuthorizeFailureReason };

/** Error thrown by {@link DigestClient.authorize}. */
export class DigestClientError extends Error {
  constructor(readonly reason: AuthorizeFailureReason) {
    super(`digest authorization failed: ${reason}`);
    this.name = 'DigestClientError';
  }
}

/** Options of {@link DigestClient}. */
export interface DigestClientOptions {
  /** Source of client nonces (`cnonce`). */
  ids: IdSource;
  /** Most nonces whose count is remembered, and most realms whose HA1 is kept for stale retries.
   * Default 256 (a UA talks to few servers). */
  maxEntries?: number;
}

/** The header that carries the answer to a challenge header (RFC 3261 §22.2, §22.3). */
export function authorizationHeaderFor(
  challengeHeader: 'WWW-Authenticate' | 'Proxy-Authenticate',
): 'Authorization' | 'Proxy-Authorization' {
  return challengeHeader === 'Proxy-Authenticate' ? 'Proxy-Authorization' : 'Authorization';
}

/**
 * Reads one challenge value; `undefined` if it is not a usable Digest challenge (other scheme,
 * unknown algorithm, no realm or nonce, or a qop list without `auth`/`auth-int`). Never throws.
 */
export function parseDigestChallenge(value: string, index = 0): DigestChallenge | undefined {
  const parsed = parseAuthValue(value);
  if (!parsed.ok || !isDigestScheme(parsed.scheme)) return undefined;
  const p = parsed.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (realm === undefined || nonce === undefined || algorithm === undefined) return undefined;
  let qop: DigestQop | undefined;
  const qopList = p.get('qop');
  if (qopList !== undefined) {
    const offered = qopList.split(',').map((q) => q.trim().toLowerCase());
    if (offered.includes('auth')) qop = 'auth';
    else if (offered.includes('auth-int')) qop = 'auth-int';
    else return undefined;
  }
  const stale = p.get('stale')?.toLowerCase() === 'true';
  return { realm, nonce, opaque: p.get('opaque'), algorithm, qop, stale, index };
}

/** Answers digest challenges; keeps the nonce-counts and, per realm, the HA1 last used. */
export class DigestClient {
  readonly #ids: IdSource;
  readonly #max: number;
  readonly #counts = new Map<string, number>(); // realm \0 nonce → last nc sent
  readonly #known = new Map<string, Partial<Ha1Set>>(); // realm \0 username → HA1s last used

  constructor(options: DigestClientOptions) {
    this.#ids = options.ids;
    this.#max = options.maxEntries ?? 256;
  }

  /**
   * Picks the strongest usable challenge among several; ties keep the server's order. RFC 8760 §2.4
   * has a UAC take the topmost supported challenge unless local policy says otherwise: our policy
   * (deliberate) is strength first, so a server listing MD5 above SHA-256 cannot downgrade us.
   * `usable` narrows the choice further (e.g. to algorithms an HA1 is known for).
   */
  selectChallenge(
    values: readonly string[],
    usable: (challenge: DigestChallenge) => boolean = () => true,
  ): DigestChallenge | undefined {
    let best: DigestChallenge | undefined;
    for (let i = 0; i < values.length; i++) {
      const c = parseDigestChallenge(values[i], i);
      if (c === undefined || !usable(c)) continue;
      if (best === undefined || algorithmStrength(c.algorithm) > algorithmStrength(best.algorithm)) best = c;
    }
    return best;
  }

  /** Like {@link tryAuthorize} but returns the header value or throws {@link DigestClientError}. */
  authorize(input: AuthorizeInput): string {
    const r = this.tryAuthorize(input);
    if (!r.ok) throw new DigestClientError(r.reason);
    return r.value;
  }

  /**
   * Builds the credentials value for `input.challenge`. The nonce-count increases with every call for
   * the same nonce (RFC 7616 §3.4), so a challenge can be reused pre-emptively for later requests.
   * Without password or HA1, the HA1 used before for this realm and username is reused — only when
   * the challenge says stale=true (RFC 7616 §3.3: the client may retry without asking the user); a
   * new challenge without stale means the credentials were refused, and they are forgotten.
   */
  tryAuthorize(input: AuthorizeInput): AuthorizeResult {
    const user = input.username;
    const keyOf = (realm: string): string => `${realm}\0${user}`;
    let ha1Of: (c: DigestChallenge) => string | undefined;
    let keep: ((c: DigestChallenge) => Partial<Ha1Set>) | undefined;
    if (input.password !== undefined) {
      const password = input.password;
      ha1Of = (c) => computeHa1(c.algorithm, user, c.realm, password);
      keep = (c) => computeHa1Set(user, c.realm, password);
    } else if (input.ha1 !== undefined) {
      const set = toHa1Set(input.ha1);
      ha1Of = (c) => ha1For(set, c.algorithm);
      keep = () => set;
    } else {
      ha1Of = (c) => {
        const known = c.stale ? this.#known.get(keyOf(c.realm)) : undefined;
        return known === undefined ? undefined : ha1For(known, c.algorithm);
      };
    }
    const usable = input.password !== undefined ? () => true : (c: DigestChallenge) => ha1Of(c) !== undefined;
    const challenge = this.#pick(input.challenge, usable);
    if (challenge === undefined) {
      if (keep !== undefined) return { ok: false, reason: 'no-usable-challenge' };
      const any = this.#pick(input.challenge, () => true);
      if (any === undefined) return { ok: false, reason: 'no-usable-challenge' };
      if (!any.stale) this.#known.delete(keyOf(any.realm));
      return { ok: false, reason: 'no-credentials' };
    }
    const ha1 = ha1Of(challenge);
    if (ha1 === undefined)
      return { ok: false, reason: keep === undefined ? 'no-credentials' : 'no-usable-challenge' };

    const countKey = `${challenge.realm}\0${challenge.nonce}`;
    const nc = (this.#counts.get(countKey) ?? 0) + 1;
    const ncText = nc.toString(16).padStart(8, '0');
    const cnonce = challenge.qop === undefined ? undefined : this.#ids.nonce();
    const response = computeDigestResponse({
      algorithm: challenge.algorithm,
      ha1,
      nonce: challenge.nonce,
      method: input.method,
      uri: input.uri,
      qop: challenge.qop,
      cnonce,
      nc: ncText,
      body: input.body,
    });
    const params: [string, string][] = [
      ['username', user],
      ['realm', challenge.realm],
      ['nonce', challenge.nonce],
      ['uri', input.uri],
      ['response', response],
      ['algorithm', challenge.algorithm],
    ];
    if (challenge.qop !== undefined && cnonce !== undefined) {
      params.push(['qop', challenge.qop], ['nc', ncText], ['cnonce', cnonce]);
    }
    if (challenge.opaque !== undefined) params.push(['opaque', challenge.opaque]);
    let value: string;
    try {
      value = formatAuthValue('Digest', params, 'credentials');
    } catch {
      return { ok: false, reason: 'invalid-input' };
    }
    if (challenge.qop !== undefined) remember(this.#counts, countKey, nc, this.#max);
    if (keep !== undefined) remember(this.#known, keyOf(challenge.realm), keep(challenge), this.#max);
    return { ok: true, value, challenge, nc };
  }

  #pick(
    challenge: AuthorizeInput['challenge'],
    usable: (c: DigestChallenge) => boolean,
  ): DigestChallenge | undefined {
    if (typeof challenge === 'string') return this.selectChallenge([challenge], usable);
    if (isStringList(challenge)) return this.selectChallenge(challenge, usable);
    return usable(challenge) ? challenge : undefined;
  }
}

function isStringList(v: AuthorizeInput['challenge']): v is readonly string[] {
  return Array.isArray(v);
}

/** A hex HA1 string (its length tells the algorithm) or a set → a set. */
function toHa1Set(ha1: string | Partial<Ha1Set>): Partial<Ha1Set> {
  if (typeof ha1 !== 'string') return ha1;
  const hex = ha1.toLowerCase();
  if (hex.length === HEX_LENGTH.MD5) return { md5: hex };
  if (hex.length === HEX_LENGTH['SHA-256']) return { sha256: hex };
  return {};
}

/** Map insert with a FIFO bound: refreshes the key's position and evicts the oldest beyond `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}
