/**
 * The events layer (product.md "events/"): the typed in-process bus every feature publishes to, the
 * catalogue of event types, subscription filters, the bounded per-subscriber queue, and the event-stream
 * connections behind `GET /v1.0/events` (the WebSocket itself is the API's; this layer sees a `SocketPort`).
 */
export * from './types.ts';
export * from './event-types.ts';
export * from './event-filter.ts';
export * from './event-bus.ts';
export * from './event-queue.ts';
export * from './socket-codes.ts';
export * from './event-connection.ts';
export * from './event-socket-hub.ts';
