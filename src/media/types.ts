/**
 * The media plane's contract (issue 4): what the call engine (`src/pbx/`) asks of media. The built-in
 * relay (`rtp/`) implements it; rtpengine can later implement the same interface (docs/media.md). Nothing
 * here knows of tenants, calls or pickup: an endpoint is a pair of UDP ports facing one SIP peer.
 */

/** One RTP payload format from an SDP `m=` line. */
export interface Codec {
  payloadType: number;
  /** Encoding name as in `a=rtpmap`, e.g. `PCMU`, `PCMA`, `telephone-event`. */
  name: string;
  clockRate: number;
  channels?: number;
  /** `a=fmtp` parameters, e.g. `0-16` for telephone-event. */
  fmtp?: string;
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The audio stream of a session description, as ringd needs it. */
export interface AudioDescription {
  /** Connection address (session- or media-level `c=`). */
  address: string;
  port: number;
  /** `a=rtcp` port, else port + 1. */
  rtcpPort: number;
  /** In the order of the `m=` line. */
  codecs: Codec[];
  direction: MediaDirection;
  ptime?: number;
}

/** Traffic counters of one endpoint. */
export interface EndpointStats {
  rtpIn: number;
  rtpOut: number;
  rtcpIn: number;
  rtcpOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets received while not bridged and not playing (dropped). */
  dropped: number;
}

/**
 * A local RTP/RTCP port pair facing one peer. Packets it receives are sent out of the endpoint it is
 * bridged to, towards that endpoint's remote. Symmetric RTP: the remote is learned from the first packet
 * received (and follows the peer when its source changes), falling back to the address its SDP gave.
 */
export interface MediaEndpoint {
  readonly id: string;
  /** Local address and ports to put in our SDP for this peer. */
  readonly address: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  /** What the peer's SDP said (where to send until a packet teaches us better). */
  setRemote(address: string, rtpPort: number, rtcpPort?: number): void;
  stats(): EndpointStats;
  /** Frees the ports; idempotent. Unbridges and stops any player. */
  close(opts?: CloseOptions): void;
  readonly closed: boolean;
}

/** How an endpoint is closed. */
export interface CloseOptions {
  /**
   * The peer never answered the offer that named this endpoint (it refused it, or the offer was never
   * sent), so it had no reason to send media here. When no packet reached the endpoint either, its ports
   * may serve the next endpoint at once: the quarantine that keeps a call's late packets from the next one
   * has nothing to keep out.
   */
  unanswered?: boolean;
}

/** Something to play to a peer: ringback, busy, congestion, a beep, music on hold, a WAV file. */
export type MediaSource =
  | { kind: 'tone'; tone: 'ringback' | 'busy' | 'congestion' | 'beep' | 'failure' | 'hold' }
  | { kind: 'wav'; path: string };

export interface Player {
  /** Stops playing; idempotent. */
  stop(): void;
  /** Resolves when the source ended (non-looping) or `stop()` was called. */
  readonly done: Promise<void>;
}

export interface PlayOptions {
  /** Encoding to send: the codec negotiated with that peer (PCMU or PCMA, with its payload type). */
  codec: Codec;
  /** Repeat until stopped (default true for tones, false for WAV). */
  loop?: boolean;
}

/** The media plane: allocates endpoints, bridges them, plays to them. */
export interface MediaPlane {
  /** A fresh endpoint on a free even RTP port (RTCP = RTP + 1) from the configured range. */
  allocate(): Promise<MediaEndpoint>;
  /**
   * The same, synchronously — for an endpoint needed in the same tick as the decision that needs it (the
   * caller's, allocated when it is answered). Throws what `allocate` rejects with.
   */
  allocateNow(): MediaEndpoint;
  /**
   * Connects a and b both ways, replacing whatever either was bridged to: a constant-time switch (this is
   * how pickup and queues rewire a caller to another leg). Stops players on both.
   */
  bridge(a: MediaEndpoint, b: MediaEndpoint): void;
  /** Disconnects `a` from its partner (both directions). */
  unbridge(a: MediaEndpoint): void;
  /** Plays a source to the endpoint's peer (packets go from the endpoint's port to its remote). */
  play(endpoint: MediaEndpoint, source: MediaSource, opts: PlayOptions): Player;
  /** Live endpoints and totals (for tests that count leftovers, and for metrics). */
  stats(): { endpoints: number; packetsRelayed: number };
  /** Closes every endpoint. */
  close(): Promise<void>;
}
