/**
 * The HTTP API of api.md (Fastify 5 + TypeBox), over the directory. `buildApi` wires the instance and
 * returns it ready but not listening: the CLI calls `listen`, tests call `inject()` (no sockets).
 *
 * Layout: `/v1.0/…` resources behind the access-key hook (auth.ts), with the `/v1.0/events` WebSocket
 * (routes/events.ts) when an event bus is given; public `/healthz`, `/readyz`, `/openapi.json` and `/docs`.
 * Every failure leaves as the error envelope (errors.ts); bodies are validated strictly and queries/params
 * with coercion (validation.ts); responses are serialized from their schemas.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import type { Logger, LoggerOptions } from 'pino';
import type { DirectoryApi } from '../directory/contract.ts';
import { EventSocketHub, type EventSocketHubOptions } from '../events/index.ts';
import { installAuth, redactUrl } from './auth.ts';
import { frameworkErrorHandler, installErrorHandling } from './errors.ts';
import { registerOpenApi, registerOpenApiRoutes } from './openapi.ts';
import { accessKeyRoutes } from './routes/access-keys.ts';
import { agentRoutes } from './routes/agents.ts';
import { callflowRoutes } from './routes/callflows.ts';
import type { PbxApi } from './pbx.ts';
import { callRoutes } from './routes/calls.ts';
import { registrationRoutes } from './routes/registrations.ts';
import { customerRoutes } from './routes/customers.ts';
import { eventRoutes, websocketOptions } from './routes/events.ts';
import { deviceRoutes } from './routes/devices.ts';
import { groupcallRoutes } from './routes/groupcalls.ts';
import { groupRoutes } from './routes/groups.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import type { RingdMetrics } from './metrics.ts';
import { queueRoutes } from './routes/queues.ts';
import { trunkRoutes } from './routes/trunks.ts';
import { userRoutes } from './routes/users.ts';
import type { ApiInstance } from './types.ts';
import { installValidation } from './validation.ts';

/** The API's base path. */
export const API_PREFIX = '/v1.0';

/** Default largest accepted request body: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface ApiOptions {
  /** The directory the routes call (CRUD, validation, access-key authentication). */
  directory: DirectoryApi;
  /** Shown in the OpenAPI document's `info.version`. */
  version: string;
  /**
   * Request logging: `false` (default) none; `true` pino at `info`; pino options; or a pino instance.
   * The `accesskey` query parameter is always redacted from logged URLs.
   */
  logger?: boolean | LoggerOptions | Logger;
  /** Largest accepted request body in bytes (default 1 MiB); larger → 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: number;
  /** Readiness checks for `/readyz` (e.g. `{ database: true, sip: true }`); absent → always ready. */
  ready?: () => Promise<Record<string, boolean>>;
  /** `GET /metrics` (absent: no such route). */
  metrics?: RingdMetrics;
  /** The call engine: registrations and call control routes exist only when it is given. */
  pbx?: PbxApi;
  /**
   * The event bus and the event stream's limits: `GET /v1.0/events` (WebSocket) exists only when it is
   * given. Its connections are closed (1001) when the API closes.
   */
  events?: Omit<EventSocketHubOptions, 'timers'>;
}

/** The request log serializer: method and URL (without the access key), client address. */
function requestSerializer(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

function isLogger(x: unknown): x is Logger {
  return typeof x === 'object' && x !== null && typeof (x as Logger).child === 'function';
}

function loggerOptions(
  logger: ApiOptions['logger'],
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  const serializers = { req: requestSerializer };
  if (!logger) return { logger: false };
  if (isLogger(logger)) return { loggerInstance: logger.child({}, { serializers }) };
  const base: LoggerOptions = logger === true ? {} : logger;
  return {
    logger: {
      ...base,
      serializers: { ...base.serializers, ...serializers },
    } as FastifyServerOptions['logger'],
  };
}

/** Builds the API (routes, hooks, OpenAPI); does not listen. */
export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggerOptions(opts.logger),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as ApiInstance;

  app.decorateRequest('principal', null);
  // JSON only: without a parser for text/plain, such bodies get 415 instead of reaching the schemas.
  app.removeContentTypeParser('text/plain');
  installValidation(app);
  installErrorHandling(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await registerOpenApi(app, { version: opts.version });
  // At the root, so that an upgrade to any other route is closed at once rather than left hanging.
  const hub = opts.events ? new EventSocketHub(opts.events) : undefined;
  if (hub) await app.register(websocket, websocketOptions(hub));
  await app.register(healthRoutes, { ready: opts.ready });
  if (opts.metrics) await app.register(metricsRoutes, { metrics: opts.metrics });
  await app.register(
    async (v1: ApiInstance) => {
      installAuth(v1, opts.directory);
      const o = { directory: opts.directory };
      await v1.register(customerRoutes, o);
      await v1.register(accessKeyRoutes, o);
      await v1.register(userRoutes, o);
      await v1.register(deviceRoutes, o);
      await v1.register(groupRoutes, o);
      await v1.register(callflowRoutes, o);
      await v1.register(agentRoutes, o);
      await v1.register(queueRoutes, o);
      await v1.register(trunkRoutes, o);
      await v1.register(groupcallRoutes, { ...o, pbx: opts.pbx });
      await v1.register(callRoutes, { ...o, pbx: opts.pbx });
      if (opts.pbx) await v1.register(registrationRoutes, { pbx: opts.pbx });
      if (hub) await v1.register(eventRoutes, { hub, directory: opts.directory });
    },
    { prefix: API_PREFIX },
  );
  await registerOpenApiRoutes(app);
  await app.ready();
  return app as unknown as FastifyInstance;
}
