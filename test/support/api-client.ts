/**
 * A test client for the REST API over `app.inject()` (no sockets). Every answer is checked against the
 * API's own OpenAPI document (the operation's schema for that status; an undocumented status fails), must
 * carry an `X-Request-Id`, must never be a 500, and error answers must be the envelope with the same
 * status and request id. A mismatch throws, failing the test that made the request.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { OpenApiChecker, type OpenApiDocument } from './openapi.ts';

/** A decoded JSON body; tests read fields freely (the OpenAPI check already vouched for the shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
  /** The raw body text. */
  text: string;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';
  url: string;
  /** A JSON body (serialized here) … */
  body?: unknown;
  /** … or a raw payload (sent as is, with the given headers). */
  payload?: string | Buffer;
  headers?: Record<string, string>;
  /** Overrides the client's key for this request; `null` sends none. */
  key?: string | null;
  /** Send the key as `?accesskey=` instead of the Authorization header. */
  keyInQuery?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ApiClient {
  private constructor(
    readonly app: FastifyInstance,
    readonly openapi: OpenApiChecker,
    readonly key: string | undefined,
  ) {}

  /** Loads `/openapi.json` from the app and returns a client without a key. */
  static async create(app: FastifyInstance): Promise<ApiClient> {
    const r = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(r.statusCode, 200, 'GET /openapi.json');
    return new ApiClient(app, new OpenApiChecker(r.json() as OpenApiDocument), undefined);
  }

  /** The same client sending `key` (undefined: none). */
  as(key: string | undefined): ApiClient {
    return new ApiClient(this.app, this.openapi, key);
  }

  get<T = Json>(url: string, opts: Partial<RequestOptions> = {}): Promise<ApiResponse<T>> {
    return this.request<T>({ ...opts, method: 'GET', url });
  }
  post<T = Json>(url: string, body?: unknown, opts: Partial<RequestOptions> = {}): Promise<ApiResponse<T>> {
    return this.request<T>({ ...opts, method: 'POST', url, body });
  }
  put<T = Json>(url: string, body?: unknown, opts: Partial<RequestOptions> = {}): Promise<ApiResponse<T>> {
    return this.request<T>({ ...opts, method: 'PUT', url, body });
  }
  delete<T = Json>(url: string, opts: Partial<RequestOptions> = {}): Promise<ApiResponse<T>> {
    return this.request<T>({ ...opts, method: 'DELETE', url });
  }

  async request<T = Json>(opts: RequestOptions): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === null ? undefined : (opts.key ?? this.key);
    let url = opts.url;
    if (key !== undefined) {
      if (opts.keyInQuery) url += `${url.includes('?') ? '&' : '?'}accesskey=${encodeURIComponent(key)}`;
      else headers.authorization = `Bearer ${key}`;
    }
    const inject: InjectOptions = { method: opts.method, url, headers };
    if (opts.payload !== undefined) inject.payload = opts.payload;
    else if (opts.body !== undefined) {
      inject.payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const r = await this.app.inject(inject);
    const text = r.body;
    const isJson = String(r.headers['content-type'] ?? '').startsWith('application/json');
    const body = isJson && text.length > 0 ? (JSON.parse(text) as T) : (text as T);
    const label = `${opts.method} ${opts.url}`;

    assert.notEqual(r.statusCode, 500, `${label} → 500: ${text}`);
    const requestId = r.headers['x-request-id'];
    assert.ok(
      typeof requestId === 'string' && UUID.test(requestId),
      `${label}: X-Request-Id missing or not a UUID`,
    );
    const op = this.openapi.find(opts.method, opts.url);
    const documented = op?.operation.responses[String(r.statusCode)]?.content?.['application/json']?.schema;
    const isEnvelope =
      !op || (documented?.properties as Record<string, unknown> | undefined)?.error !== undefined;
    if (r.statusCode >= 400 && isEnvelope) {
      assert.ok(isJson, `${label} → ${r.statusCode}: error answer is not JSON: ${text}`);
      const err = (body as Json).error;
      assert.ok(err && typeof err === 'object', `${label} → ${r.statusCode}: no error envelope: ${text}`);
      assert.equal(err.status, r.statusCode, `${label}: envelope status differs from the HTTP status`);
      assert.equal(err.request_id, requestId, `${label}: envelope request_id differs from X-Request-Id`);
      assert.ok(Array.isArray(err.details), `${label}: envelope without details`);
    }
    if (op) {
      const problems = this.openapi.check(op, r.statusCode, isJson ? body : undefined);
      assert.deepEqual(problems, [], `${label} does not match the OpenAPI document:\n${problems.join('\n')}`);
    } else {
      // No such operation: the only acceptable answers are the router's own refusals.
      assert.ok(
        r.statusCode === 404 || r.statusCode === 400,
        `${label}: no documented operation, yet answered ${r.statusCode}: ${text}`,
      );
      const reason = (body as Json).error.reason;
      assert.ok(
        reason === 'ROUTE_NOT_FOUND' || reason === 'BAD_REQUEST',
        `${label}: unexpected reason ${reason}`,
      );
    }
    return { status: r.statusCode, body, headers: r.headers, text };
  }
}

/** Asserts an error answer's status and reason (and optionally a detail path), with the body on failure. */
export function assertError(r: ApiResponse, status: number, reason: string, path?: string): void {
  const err = (r.body as Json)?.error;
  assert.equal(r.status, status, `expected ${status} ${reason}, got ${r.status}: ${r.text}`);
  assert.equal(err?.reason, reason, `expected reason ${reason}: ${r.text}`);
  if (path !== undefined) {
    const paths = (err.details as Array<{ path: string }>).map((d) => d.path);
    assert.ok(paths.includes(path), `expected a detail at ${path}, got ${JSON.stringify(paths)}: ${r.text}`);
  }
}

/** Asserts a 200 and returns the body. */
export function ok<T = Json>(r: ApiResponse<T>): T {
  assert.equal(r.status, 200, `expected 200, got ${r.status}: ${r.text}`);
  return r.body;
}
