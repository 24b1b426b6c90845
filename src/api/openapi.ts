/**
 * The OpenAPI document, generated from the route schemas (the same TypeBox schemas that validate requests
 * and serialize responses): `GET /openapi.json` (OpenAPI 3.1, whose Schema Objects are JSON Schema
 * 2020-12, what TypeBox emits) and a reference page at `/docs` (swagger-ui, assets served from the package;
 * nothing fetched from the network). Both public.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ApiInstance } from './types.ts';

/** One tag per resource, in the order the reference shows them. */
export const TAGS = [
  { name: 'customers', description: 'tenants (platform admin); a customer key sees only its own' },
  { name: 'accesskeys', description: 'API keys; the secret is shown once, stored hashed' },
  { name: 'users', description: 'people, their named call/pickup groups and who may monitor them' },
  { name: 'devices', description: 'SIP phones and their credentials' },
  { name: 'groups', description: 'ring groups of devices, users and groups (KAZOO endpoints shape)' },
  { name: 'callflows', description: 'numbers and patterns, and the flow tree run when one is dialed' },
  { name: 'agents', description: 'people who take queue calls' },
  { name: 'queues', description: 'agent groups' },
  { name: 'trunks', description: 'outbound gateways for tel addresses' },
  { name: 'groupcalls', description: 'one ring of several destinations (read-only for now)' },
  { name: 'calls', description: 'SIP legs (read-only for now)' },
  { name: 'events', description: "the tenant's live events over a WebSocket" },
  { name: 'health', description: 'liveness and readiness' },
] as const;

export interface OpenApiOptions {
  version: string;
}

/** Registers the generator; must run before the routes are added. */
export async function registerOpenApi(app: ApiInstance, opts: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ringd API',
        version: opts.version,
        description:
          'The REST API of ringd, an API-first PBX core. Errors use one envelope ' +
          '`{ error: { status, reason, message, request_id, details } }`; lists are newest first with ' +
          '`page_size`/`page_token`. See docs/api.md for the prose reference.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'an access key: `Authorization: Bearer rk_…`',
          },
          accesskey: {
            type: 'apiKey',
            in: 'query',
            name: 'accesskey',
            description: 'the access key as a query parameter (VoIPbin compatibility)',
          },
        },
      },
      security: [{ bearer: [] }, { accesskey: [] }],
      tags: TAGS.map((t) => ({ ...t })),
    },
  });
}

/** Serves `/openapi.json` and the swagger-ui page at `/docs`; call after the routes are added. */
export async function registerOpenApiRoutes(app: ApiInstance): Promise<void> {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list' },
    staticCSP: true,
  });
}
