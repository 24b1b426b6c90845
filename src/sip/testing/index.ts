/**
 * ringd's own testing helpers: a virtual clock and an in-memory network whose endpoints implement the
 * real {@link TransportLayer} contract, so transactions, dialogs and the UA are tested without sockets.
 */
export { FakeClock } from './fake-clock.ts';
export { FakeNetwork } from './fake-network.ts';
export type { DropReason, FakeConnection, FakeNetworkOptions, WirePacket } from './fake-network.ts';
export { FakeTransportLayer } from './fake-transport-layer.ts';
export type { FakeEndpointOptions } from './fake-transport-layer.ts';
export { ScriptedPeer } from './scripted-peer.ts';
export type { AutoAnswer, InboundRequest, InboundResponse } from './scripted-peer.ts';
