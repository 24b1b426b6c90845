/**
 * Authentication and roles (api.md "Auth"): `Authorization: Bearer <key>` or `?accesskey=<key>`, resolved
 * from memory by the directory. Two roles: the platform admin (customers, access keys) and customer keys
 * (everything inside one tenant; `customer_id` always comes from the key).
 */
import type { FastifyRequest } from 'fastify';
import type { DirectoryApi, Principal } from '../directory/contract.ts';
import { ApiError, forbidden } from './errors.ts';
import type { ApiInstance } from './types.ts';

/** Who may call a route: set as `config: { access }` on every route under `/v1.0`. */
export type Access = 'admin' | 'customer' | 'any';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth hook on every `/v1.0` route (null on public routes). */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Role needed for the route (auth.ts); routes under `/v1.0` without it need a customer key. */
    access?: Access;
  }
}

/** The query parameter that may carry the key (VoIPbin compatibility). */
export const ACCESS_KEY_PARAM = 'accesskey';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The key of a request: the bearer token, else `?accesskey=`; undefined when neither is present. */
export function keyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.length > 0) {
    const m = BEARER.exec(header);
    return m ? m[1] : '';
  }
  const q = (request.query as Record<string, unknown> | undefined)?.[ACCESS_KEY_PARAM];
  if (typeof q === 'string') return q;
  if (Array.isArray(q) && typeof q[0] === 'string') return q[0];
  return undefined;
}

/**
 * The key a request presented, read again from the header or the raw URL (the auth hook removes
 * `accesskey` from the parsed query): for long-lived connections that re-check their key later.
 */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.length > 0) return BEARER.exec(header)?.[1];
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const value = new URLSearchParams(url.slice(q + 1)).get(ACCESS_KEY_PARAM);
  return value ?? undefined;
}

/** Removes `accesskey=…` from a URL, for logs and messages. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes(ACCESS_KEY_PARAM, q)) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((p) => (p.split('=')[0].toLowerCase() === ACCESS_KEY_PARAM ? `${ACCESS_KEY_PARAM}=[redacted]` : p));
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function unauthorized(message: string, invalidToken: boolean): ApiError {
  const challenge = invalidToken ? 'Bearer realm="ringd", error="invalid_token"' : 'Bearer realm="ringd"';
  return new ApiError(401, 'UNAUTHORIZED', message, [], { 'www-authenticate': challenge });
}

/** The caller of an authenticated route (set by the hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('an access key is required', false);
  return request.principal;
}

/** The tenant of a customer-key caller (the hook has already refused admin keys on tenant routes). */
export function tenantOf(request: FastifyRequest): string {
  const p = principalOf(request);
  if (p.role !== 'customer') throw forbidden('this route works inside one tenant: use a customer access key');
  return p.customerId;
}

/**
 * Adds the auth hook to an encapsulated scope (the `/v1.0` plugin): every route in it needs a key; the
 * route's `config.access` says which role (default: customer). The `accesskey` parameter is removed from
 * the parsed query so the query schemas (which refuse unknown parameters) never see it.
 */
export function installAuth(app: ApiInstance, directory: DirectoryApi): void {
  app.addHook('onRequest', async (request) => {
    const key = keyOf(request);
    const query = request.query as Record<string, unknown> | undefined;
    if (query && ACCESS_KEY_PARAM in query) delete query[ACCESS_KEY_PARAM];
    if (key === undefined) {
      throw unauthorized('an access key is required: Authorization: Bearer <key> or ?accesskey=<key>', false);
    }
    const principal = key === '' ? undefined : directory.accessKeys.authenticate(key);
    if (!principal) throw unauthorized('the access key is unknown or revoked', true);
    request.principal = principal;
    const access = request.routeOptions.config.access ?? 'customer';
    if (access === 'customer' && principal.role !== 'customer') {
      throw forbidden(
        'the platform admin key manages customers and access keys only; use a customer access key for tenant resources',
      );
    }
    if (access === 'admin' && principal.role !== 'admin') {
      throw forbidden('this needs the platform admin key');
    }
  });
}
