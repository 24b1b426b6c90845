/** The built-in RTP relay of the media plane. */
export { RtpRelay } from './relay.ts';
export type { RtpRelayOptions } from './relay.ts';
export { RelayEndpoint } from './endpoint.ts';
export { PortPool, PortRangeExhaustedError } from './port-pool.ts';
