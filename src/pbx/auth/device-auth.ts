/**
 * Digest authentication of devices (REGISTER: 401/`WWW-Authenticate`; a device's own INVITE:
 * 407/`Proxy-Authenticate`) against the HA1 stored for the device, in the realm of its tenant (the tenant's
 * SIP domain), with a brute-force throttle ({@link AuthThrottle}). Never throws on network input.
 */
import type { DeviceEntry, DirectoryCache, TenantEntry } from '../../directory/index.ts';
import { DigestServer, isDigestScheme, parseAuthValue } from '../../sip/auth/index.ts';
import type { DigestAlgorithm, DigestAlgorithmName } from '../../sip/auth/index.ts';
import type { Clock } from '../../sip/clock.ts';
import type { IdSource } from '../../sip/ids.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import { ipFamily, parseUri, uriEquals } from '../../sip/message/index.ts';
import type { SourceAddress } from '../registrar/types.ts';
import { AuthThrottle, type ThrottleOptions } from './throttle.ts';
import type { AuthOutcome, DeviceAuthenticator } from './types.ts';

/** Options of {@link DeviceAuth}. */
export interface DeviceAuthOptions {
  /** Tenants (by domain) and devices (by SIP username, with their HA1s). */
  cache: DirectoryCache;
  clock: Clock;
  ids: IdSource;
  /** Tenant domain used when the From host is an IP literal (a phone configured with an address). */
  defaultDomain?: string;
  /** Logs throttle starts and nothing else. */
  log?: (msg: string, o?: object) => void;
  /** Brute-force throttle settings (defaults: 10 failures / 60 s, cooldown 60 s doubling up to 15 min). */
  throttle?: ThrottleOptions;
  /** HMAC key for nonces, shared by all realms (≥ 16 bytes). Default: random per realm and process. */
  digestSecret?: Uint8Array;
  /** Nonce lifetime in ms (default 300 000). */
  nonceTtlMs?: number;
  /**
   * Digest algorithms offered in challenges (default SHA-256 and MD5, strongest first per RFC 8760).
   * Many phones and SIPp use the first challenge they get and support only MD5, so ringd's configuration
   * (`sip.digest_algorithms`) offers MD5 alone unless told otherwise.
   */
  algorithms?: readonly DigestAlgorithmName[];
}

type Failure = Extract<AuthOutcome, { ok: false }>;

const fail = (status: number, reason: string, cause: string): Failure => ({
  ok: false,
  status,
  reason,
  headers: [],
  cause,
});

/** The {@link DeviceAuthenticator} of ringd. One {@link DigestServer} per realm, created on first use. */
export class DeviceAuth implements DeviceAuthenticator {
  readonly #cache: DirectoryCache;
  readonly #algorithms: readonly DigestAlgorithmName[];
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #defaultDomain: string | undefined;
  readonly #servers = new Map<string, DigestServer>();
  readonly #secret: Uint8Array | undefined;
  readonly #nonceTtlMs: number | undefined;
  /** The brute-force throttle (exposed for stats and tests). */
  readonly throttle: AuthThrottle;

  constructor(options: DeviceAuthOptions) {
    this.#cache = options.cache;
    this.#clock = options.clock;
    this.#ids = options.ids;
    this.#defaultDomain = options.defaultDomain?.toLowerCase();
    this.#secret = options.digestSecret;
    this.#nonceTtlMs = options.nonceTtlMs;
    this.#algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    this.throttle = new AuthThrottle(options.clock, options.throttle, options.log);
  }

  /** Number of realms with a digest server (one per tenant seen). */
  get realms(): number {
    return this.#servers.size;
  }

  check(req: SipRequest, source: SourceAddress, proxy: boolean): AuthOutcome {
    try {
      return this.#check(req, source, proxy);
    } catch {
      // A header we could not parse (From, To, Request-URI): the request is malformed.
      return fail(400, 'Bad Request', 'malformed');
    }
  }

  /** The tenant a device's request belongs to: From host, or the default domain for an IP literal. */
  tenantOf(req: SipRequest): TenantEntry | undefined {
    let host = req.from.uri.host.toLowerCase();
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    if (ipFamily(host) !== 0) {
      if (this.#defaultDomain === undefined) return undefined;
      host = this.#defaultDomain;
    }
    return this.#cache.tenantByDomain(host);
  }

  #check(req: SipRequest, source: SourceAddress, proxy: boolean): AuthOutcome {
    const tenant = this.tenantOf(req);
    if (tenant === undefined) return fail(404, 'Unknown Domain', 'unknown-domain');
    const realm = tenant.domain;
    const server = this.#server(realm);
    const credentials = req.getAll(proxy ? 'proxy-authorization' : 'authorization');

    const username = usernameFor(credentials, realm);
    const userKey = username === undefined ? undefined : tenant.id + ':' + username;
    // A request without credentials is always challenged (costs nothing, and lets a known device of a
    // throttled address name itself); credentials from a throttled address or username are refused unread.
    if (credentials.length > 0 && this.throttle.check(source.address, userKey) !== undefined) {
      return fail(403, 'Too Many Failed Attempts', 'throttled');
    }

    let device: DeviceEntry | undefined;
    const result = server.verify({
      method: req.method,
      uri: req.uriText,
      credentials,
      lookupHa1: (user, _realm, algorithm: DigestAlgorithm) => {
        device = this.#cache.deviceBySipUsername(tenant.id, user);
        if (device === undefined) return undefined;
        return algorithm === 'MD5' ? device.ha1Md5 : device.ha1Sha256;
      },
    });

    if (!result.ok) {
      switch (result.reason) {
        case 'missing':
        case 'unknown-scheme':
        case 'realm':
        case 'unsupported-algorithm':
          return this.#challenge(server, proxy, false, 'challenge');
        case 'stale':
        case 'replay':
          return this.#challenge(server, proxy, true, result.reason);
        case 'malformed':
          return fail(400, 'Malformed Credentials', 'malformed');
        case 'uri-mismatch':
          return fail(403, 'Digest URI Mismatch', 'uri-mismatch');
        case 'unknown-user':
        case 'bad-response':
          this.throttle.recordFailure(source.address, userKey);
          return fail(403, 'Forbidden', result.reason === 'unknown-user' ? 'unknown-user' : 'bad-password');
      }
    }

    if (device === undefined) return fail(403, 'Forbidden', 'unknown-user');
    if (!device.enabled) return fail(403, 'Device Disabled', 'disabled');
    if (req.method === 'REGISTER') {
      const toUser = req.to.uri.user;
      if (toUser !== device.sipUsername)
        return fail(403, 'To User Does Not Match Credentials', 'user-mismatch');
    }
    this.throttle.recordSuccess(source.address, tenant.id + ':' + device.sipUsername);
    return { ok: true, tenant, device };
  }

  #challenge(server: DigestServer, proxy: boolean, stale: boolean, cause: string): Failure {
    const c = server.challenge({ proxy, stale });
    return {
      ok: false,
      status: proxy ? 407 : 401,
      reason: proxy ? 'Proxy Authentication Required' : 'Unauthorized',
      headers: c.values.map((v): [string, string] => [c.header, v]),
      cause,
    };
  }

  #server(realm: string): DigestServer {
    let s = this.#servers.get(realm);
    if (s === undefined) {
      s = new DigestServer({
        realm,
        clock: this.#clock,
        ids: this.#ids,
        secret: this.#secret,
        nonceTtlMs: this.#nonceTtlMs,
        algorithms: this.#algorithms,
        uriMatches: digestUriMatches,
      });
      this.#servers.set(realm, s);
    }
    return s;
  }
}

/** The `username` of the Digest credentials for `realm`, if any (for the throttle, before verifying). */
function usernameFor(values: readonly string[], realm: string): string | undefined {
  for (const v of values) {
    const p = parseAuthValue(v);
    if (!p.ok || !isDigestScheme(p.scheme) || p.params.get('realm') !== realm) continue;
    const u = p.params.get('username');
    if (u !== undefined) return u;
    const ext = p.params.get('username*');
    const m = ext === undefined ? null : /^utf-8'[^']*'(.*)$/i.exec(ext);
    if (m === null) return undefined;
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** RFC 3261 §19.1.4 comparison of the digest `uri` with the Request-URI; exact text when unparseable. */
function digestUriMatches(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  try {
    return uriEquals(parseUri(digestUri), parseUri(requestUri));
  } catch {
    return false;
  }
}
