/**
 * One relay endpoint: an RTP socket and an RTCP socket facing one peer, its learned remote (symmetric RTP
 * latching with a simple anti-hijack rule), its bridge partner and its player. The per-packet path
 * (`onRtp`/`onRtcp`) reads a few fields and forwards the received Buffer itself: no allocation, no lookup.
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import type { CloseOptions, EndpointStats, MediaEndpoint } from '../types.ts';
import type { RtpPlayer } from '../tones/player.ts';
import type { PairHolder, SocketPair } from './socket-pair.ts';

/** What an endpoint needs from its relay. */
export interface EndpointOwner {
  /** Consecutive packets from a new source needed to move a latched remote (≥ 1). */
  readonly relatchAfter: number;
  /** Counts one forwarded packet. */
  relayed: number;
  /**
   * Called once from `close()` (the pair is no longer held by the endpoint); `unused`: the peer never
   * answered and no packet ever arrived, so the pair may be lent again at once.
   */
  endpointClosed(ep: RelayEndpoint, unused: boolean): void;
}

/** The send side of one channel (RTP or RTCP): where to send and what source is latched. */
class Channel {
  /** Destination; port 0 = unknown (nothing is sent). */
  addr = '';
  port = 0;
  latched = false;
  candAddr = '';
  candPort = 0;
  candCount = 0;

  set(addr: string, port: number): void {
    const unspecified = addr === '0.0.0.0' || addr === '::' || addr === '';
    this.addr = addr;
    this.port = unspecified ? 0 : port;
    this.latched = false;
    this.candCount = 0;
  }

  /**
   * Symmetric RTP: the first packet latches its source as the destination. Once latched, a packet from
   * another source is refused unless `n` consecutive packets come from that same new source (then the
   * remote moves there); a packet from the latched source resets that count.
   */
  accept(r: RemoteInfo, n: number): boolean {
    if (!this.latched) {
      this.addr = r.address;
      this.port = r.port;
      this.latched = true;
      this.candCount = 0;
      return true;
    }
    if (r.port === this.port && r.address === this.addr) {
      this.candCount = 0;
      return true;
    }
    if (this.candCount > 0 && r.port === this.candPort && r.address === this.candAddr) {
      this.candCount++;
    } else {
      this.candAddr = r.address;
      this.candPort = r.port;
      this.candCount = 1;
    }
    if (this.candCount < n) return false;
    this.addr = r.address;
    this.port = r.port;
    this.candCount = 0;
    return true;
  }
}

/** A {@link MediaEndpoint} of the built-in relay. */
export class RelayEndpoint implements MediaEndpoint, PairHolder {
  /** Bridge partner (set only by the relay's bridge/unbridge). */
  partner: RelayEndpoint | null = null;
  /** Active player (set only by the relay's play). */
  player: RtpPlayer | null = null;
  readonly rtp = new Channel();
  readonly rtcp = new Channel();
  rtpIn = 0;
  rtpOut = 0;
  rtcpIn = 0;
  rtcpOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  dropped = 0;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtpSock: Socket;
  private isClosed = false;

  constructor(
    readonly id: string,
    readonly address: string,
    /** The socket pair lent to this endpoint until it closes. */
    readonly pair: SocketPair,
    private readonly owner: EndpointOwner,
  ) {
    this.rtpPort = pair.rtpPort;
    this.rtcpPort = pair.rtcpPort;
    this.rtpSock = pair.rtpSock;
    pair.holder = this;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Where to send until a packet teaches us better; resets latching. `0.0.0.0` (old-style hold) = nowhere. */
  setRemote(address: string, rtpPort: number, rtcpPort?: number): void {
    const p = validPort(rtpPort) ? rtpPort : 0;
    const rp = rtcpPort !== undefined && validPort(rtcpPort) ? rtcpPort : p === 0 ? 0 : p + 1;
    this.rtp.set(String(address), p);
    this.rtcp.set(String(address), rp);
  }

  /** Current RTP destination (latched or from SDP); port 0 when unknown. */
  remote(): { address: string; rtpPort: number; rtcpPort: number; latched: boolean } {
    return {
      address: this.rtp.addr,
      rtpPort: this.rtp.port,
      rtcpPort: this.rtcp.port,
      latched: this.rtp.latched,
    };
  }

  stats(): EndpointStats {
    return {
      rtpIn: this.rtpIn,
      rtpOut: this.rtpOut,
      rtcpIn: this.rtcpIn,
      rtcpOut: this.rtcpOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      dropped: this.dropped,
    };
  }

  /**
   * Gives the ports back to the relay; idempotent. Unbridges and stops any player. With `unanswered`, and
   * when no packet ever arrived, the relay may lend them again at once (no quarantine).
   */
  close(opts?: CloseOptions): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const p = this.partner;
    if (p !== null) {
      p.partner = null;
      this.partner = null;
    }
    this.player?.stop();
    this.player = null;
    if (this.pair.holder === this) this.pair.holder = null;
    this.owner.endpointClosed(this, opts?.unanswered === true && this.rtpIn === 0 && this.rtcpIn === 0);
  }

  /** Sends a packet of ours (a player's) to the peer; false when no destination is known. */
  sendRtp(pkt: Buffer): boolean {
    const ch = this.rtp;
    if (ch.port === 0 || this.isClosed) return false;
    this.rtpSock.send(pkt, ch.port, ch.addr);
    this.rtpOut++;
    this.bytesOut += pkt.length;
    return true;
  }

  // ---- hot path (called by the socket pair) ----

  /** @internal */
  onRtp(msg: Buffer, r: RemoteInfo): void {
    this.rtpIn++;
    if (this.pair.rtcpSock === null) void this.pair.needRtcp(); // media flows: RTCP will follow
    this.bytesIn += msg.length;
    // RTP version 2 and a full fixed header (RFC 3550 §5.1); anything else (STUN, junk) is dropped
    if (msg.length < 12 || (msg[0] & 0xc0) !== 0x80 || !this.rtp.accept(r, this.owner.relatchAfter)) {
      this.dropped++;
      return;
    }
    const p = this.partner;
    if (p === null) {
      if (this.player === null) this.dropped++;
      return;
    }
    if (p.player !== null) return; // the partner's peer hears a player for now
    const ch = p.rtp;
    if (ch.port === 0) {
      this.dropped++;
      return;
    }
    p.rtpSock.send(msg, ch.port, ch.addr);
    p.rtpOut++;
    p.bytesOut += msg.length;
    this.owner.relayed++;
  }

  /** @internal */
  onRtcp(msg: Buffer, r: RemoteInfo): void {
    this.rtcpIn++;
    this.bytesIn += msg.length;
    if (msg.length < 8 || (msg[0] & 0xc0) !== 0x80 || !this.rtcp.accept(r, this.owner.relatchAfter)) {
      this.dropped++;
      return;
    }
    const p = this.partner;
    if (p === null) {
      if (this.player === null) this.dropped++;
      return;
    }
    if (p.player !== null) return;
    const ch = p.rtcp;
    if (ch.port === 0) {
      this.dropped++;
      return;
    }
    const sock = p.pair.rtcpSock;
    if (sock === null) {
      void p.pair.needRtcp(); // its peer sent no RTP yet: bind now, this report is lost
      this.dropped++;
      return;
    }
    sock.send(msg, ch.port, ch.addr);
    p.rtcpOut++;
    p.bytesOut += msg.length;
    this.owner.relayed++;
  }
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p > 0 && p <= 65535;
}
