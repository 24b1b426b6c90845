/**
 * One leg's side of the offer/answer (RFC 3264): the SDP we send that peer (always our own endpoint's
 * address and port, one `o=` session id per leg, version incremented on each new description), the
 * codecs negotiated with it, and what its last description said.
 */
import type {
  AudioDescription,
  CloseOptions,
  Codec,
  MediaDirection,
  MediaEndpoint,
  Player,
} from '../../media/types.ts';
import { buildSdp, isTelephoneEvent } from '../../media/sdp/index.ts';

/** The direction to answer an offer with (RFC 3264 §6.1): sendonly ↔ recvonly, others unchanged. */
export function mirrorDirection(d: MediaDirection): MediaDirection {
  if (d === 'sendonly') return 'recvonly';
  if (d === 'recvonly') return 'sendonly';
  return d;
}

/** True when the description puts us on hold: sendonly/inactive, or the RFC 2543 `c=0.0.0.0`. */
export function isHold(a: AudioDescription): boolean {
  return a.direction === 'sendonly' || a.direction === 'inactive' || a.address === '0.0.0.0';
}

/** Media state of one leg. */
export class LegMedia {
  /** The relay endpoint facing this peer (undefined once released). */
  endpoint: MediaEndpoint | undefined;
  /** The peer's last description. */
  remote: AudioDescription | undefined;
  /** Codecs negotiated with this peer (the first audio one is what it sends and expects). */
  codecs: Codec[] = [];
  /** This peer put the call on hold (its last description was sendonly/inactive). */
  holding = false;
  /** A tone we play to this peer (while the other side holds). */
  player: Player | undefined;
  private version = 0;

  constructor(
    endpoint: MediaEndpoint | undefined,
    private readonly sessionId: string,
  ) {
    this.endpoint = endpoint;
  }

  /** Gives the leg its endpoint once allocated (a leg is created before its endpoint). */
  attach(endpoint: MediaEndpoint): void {
    this.endpoint = endpoint;
  }

  /** The audio codec in use with this peer (for players). */
  get audioCodec(): Codec | undefined {
    return this.codecs.find((c) => !isTelephoneEvent(c));
  }

  /** A new description of our endpoint for this peer (version incremented). */
  describe(codecs: readonly Codec[], direction: MediaDirection = 'sendrecv'): string {
    const ep = this.endpoint;
    return buildSdp({
      address: ep?.address ?? '0.0.0.0',
      port: ep?.rtpPort ?? 0,
      codecs,
      direction,
      sessionId: this.sessionId,
      sessionVersion: ++this.version,
    });
  }

  /** Records the peer's description and points the endpoint at it when the address changed. */
  setRemote(a: AudioDescription): void {
    const prev = this.remote;
    this.remote = a;
    if (this.endpoint === undefined || a.port === 0 || a.address === '0.0.0.0') return;
    if (prev?.address === a.address && prev.port === a.port && prev.rtcpPort === a.rtcpPort) return;
    this.endpoint.setRemote(a.address, a.port, a.rtcpPort);
  }

  /** Stops the player and closes the endpoint (idempotent); `opts` as `MediaEndpoint.close` takes them. */
  release(opts?: CloseOptions): void {
    this.player?.stop();
    this.player = undefined;
    this.endpoint?.close(opts);
    this.endpoint = undefined;
  }

  /** True while an endpoint is held open. */
  get open(): boolean {
    return this.endpoint !== undefined;
  }
}
