/**
 * The API's error envelope and catalogue (api.md "Errors", style.md §8). Every failure — a refusal of the
 * directory, a schema violation, a malformed body, an unknown route, an internal fault — leaves the API as
 * one envelope:
 *
 * ```json
 * { "error": { "status": 404, "reason": "USER_NOT_FOUND", "message": "…", "request_id": "…", "details": [] } }
 * ```
 *
 * `reason` is a stable code (documented in docs/api.md; a test checks each appears there), `request_id` the
 * id also sent as `X-Request-Id`, `details` one entry per offending JSON path.
 */
import { Type, type Static, type TSchema } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DIRECTORY_REASONS, DirectoryError, type ErrorDetail } from '../directory/errors.ts';
import { eventStreamReasons } from '../events/index.ts';
import { validationDetails } from './validation.ts';
import type { ApiInstance } from './types.ts';

/** The reasons the API itself emits (beyond the directory's), with their HTTP status and meaning. */
export const API_REASONS = {
  UNAUTHORIZED: { status: 401, meaning: 'no access key, or an unknown or revoked one' },
  FORBIDDEN: { status: 403, meaning: 'the key is valid but its role may not do this' },
  VALIDATION_FAILED: { status: 400, meaning: 'the body, query string or path does not match the schema' },
  INVALID_ID: { status: 400, meaning: 'an id in the path is not a UUID' },
  INVALID_JSON: { status: 400, meaning: 'the body is not well-formed JSON (or is empty)' },
  BAD_REQUEST: {
    status: 400,
    meaning: 'the HTTP request itself is malformed (bad URL encoding, content length)',
  },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'no route has this method and path' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'the body is larger than the server accepts' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not `application/json`' },
  UPGRADE_REQUIRED: { status: 426, meaning: 'a WebSocket route was called without the WebSocket upgrade' },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    meaning: 'the tenant already has the most event-stream connections allowed',
  },
  INTERNAL: { status: 500, meaning: 'an unexpected fault; the server log has it under the request id' },
} as const;

export type ApiReason = keyof typeof API_REASONS;

/**
 * Reasons the directory emits beyond `DIRECTORY_REASONS` (src/directory/errors.ts), with their status.
 * `<RESOURCE>_NOT_FOUND` is one per resource the API serves.
 */
export const DIRECTORY_EXTRA_REASONS = {
  INVALID_PAGE_TOKEN: 400,
  DOMAIN_IN_USE: 409,
  CUSTOMER_NOT_FOUND: 404,
  ACCESSKEY_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  CALLFLOW_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  TRUNK_NOT_FOUND: 404,
  GROUPCALL_NOT_FOUND: 404,
  CALL_NOT_FOUND: 404,
  /** Raised by the call engine: a `tel` destination no trunk of the tenant serves. */
  NO_TRUNK: 400,
  /** Raised by the call engine: `POST /calls/{id}/pickup` on a call nothing rings for (answered, ended). */
  CALL_NOT_PICKABLE: 409,
  /** Raised by the call engine: `POST /calls/{id}/pickup` for a picker with no registered device. */
  PICKER_NOT_REACHABLE: 409,
} as const;

/**
 * Every reason code the API can answer with, including the event stream's close and message reasons
 * (docs/api.md documents each; a test checks it).
 */
export function allReasons(): string[] {
  return [
    ...new Set([
      ...Object.keys(API_REASONS),
      ...DIRECTORY_REASONS,
      ...Object.keys(DIRECTORY_EXTRA_REASONS),
      ...eventStreamReasons(),
    ]),
  ].sort();
}
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 426 | 429 | 500 | 503;

/** An error raised by the API layer itself (auth, roles); rendered like a `DirectoryError`. */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly reason: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Extra response headers, e.g. `WWW-Authenticate` on 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 403 FORBIDDEN with a message saying which key would do. */
export function forbidden(message: string): ApiError {
  return new ApiError(403, 'FORBIDDEN', message);
}

export const ErrorDetailSchema = Type.Object({
  path: Type.String({ description: "JSON pointer of the offending input ('' = the whole body)" }),
  message: Type.String(),
  ids: Type.Optional(
    Type.Array(Type.String(), { description: 'ids involved, e.g. the referring resources' }),
  ),
});

const envelopeProperties = {
  error: Type.Object({
    status: Type.Integer({ description: 'the HTTP status, repeated' }),
    reason: Type.String({ description: 'stable machine-readable code, e.g. USER_NOT_FOUND' }),
    message: Type.String({ description: 'for humans' }),
    request_id: Type.String({ description: 'also sent as the X-Request-Id header' }),
    details: Type.Array(ErrorDetailSchema),
  }),
};

/** The error envelope of every non-2xx answer. */
export const ErrorEnvelope = Type.Object(envelopeProperties, {
  description: 'error envelope (docs/api.md "Errors")',
});
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/** What each error status means, for the OpenAPI response descriptions. */
export const STATUS_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400:
    'invalid input: VALIDATION_FAILED (details name the JSON paths), INVALID_ID, INVALID_JSON, ' +
    'INVALID_PAGE_TOKEN, UNKNOWN_MODULE, REFERENCE_NOT_FOUND, GROUP_CYCLE, INVALID_GROUP_NAME, BAD_REQUEST',
  401: 'UNAUTHORIZED: no access key, or an unknown or revoked one (with WWW-Authenticate: Bearer)',
  403: "FORBIDDEN: the key's role may not do this",
  404: "<RESOURCE>_NOT_FOUND: no such id in the caller's tenant (another tenant's id looks the same)",
  409:
    'conflict: NUMBER_TAKEN, PATTERN_TAKEN, SIP_USERNAME_TAKEN, DOMAIN_TAKEN, DOMAIN_IN_USE, ' +
    'RESOURCE_IN_USE (details name the values and ids), CALL_NOT_PICKABLE or PICKER_NOT_REACHABLE',
  413: 'PAYLOAD_TOO_LARGE: the body is over the limit (1 MiB by default)',
  415: 'UNSUPPORTED_MEDIA_TYPE: send application/json',
  422: 'the input is well-formed but cannot be processed',
  426: 'UPGRADE_REQUIRED: this route speaks WebSocket only (send the upgrade handshake)',
  429: 'TOO_MANY_CONNECTIONS: the tenant has the most event-stream connections allowed',
  500: 'INTERNAL: an unexpected fault; the server log has it under the request id',
  503: 'not ready',
};

/** `{ [status]: ErrorEnvelope }` for a route's `response` schema, one entry per status it can return. */
export function errorResponses<S extends ErrorStatus>(
  statuses: readonly S[],
): Record<S, typeof ErrorEnvelope> {
  const out = {} as Record<S, typeof ErrorEnvelope>;
  for (const s of statuses) out[s] = Type.Object(envelopeProperties, { description: STATUS_DESCRIPTIONS[s] });
  return out;
}

/** A 200 response schema with a description for the OpenAPI document (same validation and type). */
export function ok<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description } as T;
}

interface Rendered {
  status: number;
  reason: string;
  message: string;
  details: ErrorDetail[];
  headers?: Record<string, string>;
}

const FASTIFY_CODES: Record<string, { status: number; reason: ApiReason; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    reason: 'INVALID_JSON',
    message: 'the body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    reason: 'INVALID_JSON',
    message: "the body is empty but the content type is 'application/json'",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, reason: 'PAYLOAD_TOO_LARGE', message: 'the body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    reason: 'UNSUPPORTED_MEDIA_TYPE',
    message: "unsupported content type: send 'application/json'",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    reason: 'BAD_REQUEST',
    message: 'the Content-Length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, reason: 'BAD_REQUEST', message: 'the URL is malformed' },
};

function isFastifyError(e: unknown): e is FastifyError {
  return e instanceof Error && typeof (e as FastifyError).code === 'string';
}

/** Maps any thrown value to the envelope fields (status, reason, message, details). */
export function renderError(err: unknown): Rendered {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      reason: err.reason,
      message: err.message,
      details: err.details,
      headers: err.headers,
    };
  }
  if (err instanceof DirectoryError) {
    return { status: err.status, reason: err.reason, message: err.message, details: err.details };
  }
  if (isFastifyError(err)) {
    if (err.validation) {
      const part = err.validationContext ?? 'request';
      const details = validationDetails(err.validation);
      if (part === 'params') {
        const shown = details.map((d) => d.path.replace(/^\//, '')).join(', ');
        return {
          status: 400,
          reason: 'INVALID_ID',
          message: `invalid path parameter ${shown || 'id'}: must be a UUID`,
          details,
        };
      }
      const first = details[0];
      const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
      return {
        status: 400,
        reason: 'VALIDATION_FAILED',
        message: `invalid ${part}: ${first ? `${first.path || '(root)'} ${first.message}` : 'schema mismatch'}${more}`,
        details,
      };
    }
    const known = FASTIFY_CODES[err.code];
    if (known) return { ...known, details: [] };
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return { status: 400, reason: 'BAD_REQUEST', message: err.message, details: [] };
    }
  }
  return { status: 500, reason: 'INTERNAL', message: 'internal error', details: [] };
}

/** Builds the envelope of a rendered error for one request. */
export function envelope(r: Rendered, requestId: string): ErrorEnvelope {
  const message =
    r.status === 500 ? `internal error; the server log has it under request ${requestId}` : r.message;
  return {
    error: { status: r.status, reason: r.reason, message, request_id: requestId, details: r.details },
  };
}

function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const r = renderError(err);
  if (r.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ reason: r.reason, status: r.status }, 'request refused');
  reply.header('x-request-id', request.id);
  for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
  return reply.code(r.status).type('application/json; charset=utf-8').send(envelope(r, request.id));
}

/**
 * Installs the envelope everywhere: the error handler (thrown errors, Fastify's own validation/body
 * errors), the 404 handler (unknown routes) and the router's framework errors (malformed URLs).
 */
export function installErrorHandling(app: ApiInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new ApiError(404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  );
}

/** For the `frameworkErrors` server option: router-level failures (bad URL) rendered as the envelope. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendError(err, request, reply);
}
