/**
 * `GET /v1.0/events`: the tenant's live events over a WebSocket (docs/api.md "Events"). Everything that can
 * be refused is refused before the upgrade, as the usual error envelope: no or a bad key → 401, the admin
 * key → 403 (events belong to one tenant, like the resources they carry), a bad filter → 400, a tenant at
 * its connection limit → 429, a plain GET without the upgrade → 426. Once upgraded, the connection is an
 * `EventConnection` of src/events/ (filters, subscribe messages, keep-alive, bounded buffering).
 */
import type { WebsocketPluginOptions } from '@fastify/websocket';
import { Type } from 'typebox';
import type { DirectoryApi } from '../../directory/contract.ts';
import {
  EVENT_TYPES,
  MATCH_ALL,
  parseFilter,
  type EventSocketHub,
  type WireFilter,
} from '../../events/index.ts';
import { presentedKey, principalOf, tenantOf } from '../auth.ts';
import { ApiError, errorResponses } from '../errors.ts';
import type { ApiInstance } from '../types.ts';

/** Largest message a client may send (a `subscribe` with `MAX_FILTER_IDS` ids fits easily). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

const commaList = (description: string) =>
  Type.Optional(
    Type.Union([Type.String({ maxLength: 16384 }), Type.Array(Type.String({ maxLength: 16384 }))], {
      description,
    }),
  );

export const EventsQuery = Type.Object(
  {
    type: commaList(
      `comma-separated event types to receive (default: all): ${Object.keys(EVENT_TYPES).join(', ')}`,
    ),
    resource_id: commaList(
      'comma-separated resource ids (UUIDs): only events whose `data.id` is one of them',
    ),
  },
  { additionalProperties: false },
);

/** The `@fastify/websocket` options: small client messages, and shutdown through the hub (close 1001). */
export function websocketOptions(hub: EventSocketHub): WebsocketPluginOptions {
  return {
    options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES },
    preClose(done) {
      const server = (this as unknown as { websocketServer: { close(cb: () => void): void } })
        .websocketServer;
      hub.close().then(
        () => server.close(() => done()),
        () => server.close(() => done()),
      );
    },
  };
}

/** The filter of an already validated query. */
function queryFilter(query: unknown) {
  const parsed = parseFilter((query ?? {}) as WireFilter);
  return parsed.ok ? parsed.filter : MATCH_ALL;
}

/** Text of a message frame (`ws` hands text frames over as a Buffer, fragmented ones as several). */
function frameText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export async function eventRoutes(
  app: ApiInstance,
  opts: { hub: EventSocketHub; directory: DirectoryApi },
): Promise<void> {
  const { hub, directory } = opts;
  app.route({
    method: 'GET',
    url: '/events',
    schema: {
      operationId: 'streamEvents',
      tags: ['events'],
      summary: 'Live events of the tenant over a WebSocket',
      description:
        'Upgrade to a WebSocket to receive `{ "type": "…", "data": {…} }` messages, `data` being the resource ' +
        'exactly as GET returns it. Filters by query (`type`, `resource_id`) or, once connected, by a ' +
        '`{ "type": "subscribe", "data": { "type": [...], "resource_id": [...] } }` message. Needs a customer ' +
        'key (Bearer or `?accesskey=`). Close codes and messages: docs/api.md "Events".',
      querystring: EventsQuery,
      response: {
        101: {
          description: 'switching to the WebSocket protocol: events follow as text messages',
          type: 'null',
        },
        ...errorResponses([400, 401, 403, 426, 429, 500] as const),
      },
    },
    preHandler: async (request) => {
      const parsed = parseFilter(request.query as WireFilter);
      if (!parsed.ok) {
        const [first] = parsed.details;
        const more = parsed.details.length > 1 ? ` (and ${parsed.details.length - 1} more)` : '';
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `invalid querystring: ${first.path} ${first.message}${more}`,
          parsed.details,
        );
      }
      const customerId = tenantOf(request);
      if (request.ws && !hub.hasRoom(customerId)) {
        throw new ApiError(
          429,
          'TOO_MANY_CONNECTIONS',
          `this tenant already has ${hub.maxConnectionsPerTenant} event connections open; close one first`,
        );
      }
    },
    handler: async () => {
      throw new ApiError(
        426,
        'UPGRADE_REQUIRED',
        'GET /v1.0/events is a WebSocket: connect with the upgrade handshake (ws:// or wss://)',
        [],
        { upgrade: 'websocket', connection: 'Upgrade' },
      );
    },
    wsHandler: (socket, request) => {
      const customerId = tenantOf(request);
      const keyId = principalOf(request).keyId;
      const key = presentedKey(request);
      const conn = hub.attach({
        customerId,
        socket,
        filter: queryFilter(request.query),
        stillAuthorized: () => {
          const p = key === undefined ? undefined : directory.accessKeys.authenticate(key);
          return p !== undefined && p.keyId === keyId && p.customerId === customerId;
        },
      });
      socket.on('message', (data, isBinary) => conn.received(isBinary ? '' : frameText(data), isBinary));
      socket.on('pong', () => conn.pong());
      socket.on('close', () => conn.ended());
    },
  });
}
