/** RFC 3261 §18 transports: the {@link TransportLayer} boundary, its UDP/TCP implementation and helpers. */
export * from './types.ts';
export { SipTransportLayer } from './transport-layer.ts';
export { COUNTED_METHODS, SipMessageCounts } from './message-counts.ts';
export type { DirectionCounts } from './message-counts.ts';
export type { SentMessage, SipTransportLayerOptions } from './transport-layer.ts';
export { StreamFramer, readContentLength } from './stream-framer.ts';
export type { FramerLimits, FramerSink, FramingError, FramingErrorKind } from './stream-framer.ts';
export { processInbound, statelessReply, isKeepAlive } from './inbound.ts';
export type { InboundContext, InboundOutcome } from './inbound.ts';
export {
  SentBySet,
  bareHost,
  defaultPort,
  isReliableTransport,
  normalizeAddress,
  responseTarget,
  stampReceived,
} from './via-rules.ts';
