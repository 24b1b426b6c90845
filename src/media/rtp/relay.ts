/**
 * The built-in media plane: a UDP relay in the ringd process. Each endpoint is a pair of sockets from the
 * configured port range; a bridge is two pointers; a player writes G.711 packets out of an endpoint's
 * socket. See docs/media.md for the model and for how rtpengine would implement the same interface.
 */
import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { MediaEndpoint, MediaPlane, MediaSource, PlayOptions, Player } from '../types.ts';
import { cryptoRandomUint32, randomEndpointId, systemMediaClock } from '../clock.ts';
import type { MediaClock, RandomUint32 } from '../clock.ts';
import { toneSamples } from '../tones/generators.ts';
import { readWav } from '../tones/wav.ts';
import { encodedFor, lawOf, RtpPlayer } from '../tones/player.ts';
import { RelayEndpoint } from './endpoint.ts';
import type { EndpointOwner } from './endpoint.ts';
import { PortPool, PortRangeExhaustedError } from './port-pool.ts';

/** Options of {@link RtpRelay}. */
export interface RtpRelayOptions {
  /** Local address the sockets bind to (IPv4 or IPv6 literal). */
  host: string;
  /** Port range (inclusive); RTP ports are the even ones, RTCP the next odd one. */
  portMin: number;
  portMax: number;
  /** Address put in SDP for our endpoints, when it differs from `host` (e.g. `host` is 0.0.0.0). */
  advertisedAddress?: string;
  /** Endpoint ids (default: random hex). */
  ids?: () => string;
  /** Time source of players (default: the system clock). */
  clock?: MediaClock;
  /** Timers of players, when they come from elsewhere than `clock` (default: `clock`). */
  timers?: Pick<MediaClock, 'setTimer' | 'clearTimer'>;
  /** SSRC / sequence / timestamp randomness of players (default: crypto). */
  random?: RandomUint32;
  /**
   * Anti-hijack: once a remote is latched, packets from a new source are dropped until this many arrive in
   * a row from that same source, which then becomes the remote (default 5 = 100 ms of audio).
   */
  relatchAfter?: number;
}

/**
 * `lookup` for our sockets: IP literals (all SDP gives us, in practice) resolve synchronously, saving
 * Node's default `dns.lookup` round through `process.nextTick` on every packet; names go to `dns.lookup`.
 */
const fastLookup = ((host: string, opts: unknown, cb?: unknown) => {
  const callback = (typeof opts === 'function' ? opts : cb) as (
    e: Error | null,
    a: string,
    f: number,
  ) => void;
  const family = isIP(host);
  if (family !== 0) callback(null, host, family);
  else dnsLookup(host, typeof opts === 'object' && opts !== null ? opts : {}, callback as never);
}) as unknown as NonNullable<SocketOptions['lookup']>;

/** The built-in RTP relay: implements {@link MediaPlane}. */
export class RtpRelay implements MediaPlane, EndpointOwner {
  /** Forwarded packets (RTP + RTCP), over the relay's lifetime. */
  relayed = 0;
  readonly relatchAfter: number;
  /** Socket errors seen (send failures reported asynchronously, ICMP errors); never thrown. */
  socketErrors = 0;
  private readonly pool: PortPool;
  private readonly endpoints = new Map<string, RelayEndpoint>();
  private readonly closing = new Set<Promise<void>>();
  private readonly ids: () => string;
  private readonly clock: MediaClock;
  private readonly random: RandomUint32;
  private readonly family: 'udp4' | 'udp6';
  private readonly advertised: string;
  private shut = false;

  constructor(private readonly opts: RtpRelayOptions) {
    const fam = isIP(opts.host);
    if (fam === 0) throw new TypeError(`RtpRelay: host must be an IP address (got "${opts.host}")`);
    this.family = fam === 6 ? 'udp6' : 'udp4';
    this.pool = new PortPool(opts.portMin, opts.portMax);
    this.ids = opts.ids ?? randomEndpointId;
    const clock = opts.clock ?? systemMediaClock;
    const timers = opts.timers;
    this.clock = timers
      ? {
          now: () => clock.now(),
          setTimer: (ms, fn) => timers.setTimer(ms, fn),
          clearTimer: (h) => timers.clearTimer(h),
        }
      : clock;
    this.random = opts.random ?? cryptoRandomUint32;
    const n = opts.relatchAfter ?? 5;
    this.relatchAfter = Number.isInteger(n) && n >= 1 ? n : 5;
    this.advertised = opts.advertisedAddress ?? opts.host;
  }

  /** A fresh endpoint on the next free pair of the range; rejects with {@link PortRangeExhaustedError}. */
  async allocate(): Promise<MediaEndpoint> {
    return this.allocateEndpoint();
  }

  /** {@link allocate} with the concrete type (tests and the benchmark read `remote()`). */
  async allocateEndpoint(): Promise<RelayEndpoint> {
    if (this.shut) throw new Error('RtpRelay is closed');
    for (let i = 0; i < this.pool.size; i++) {
      const port = this.pool.reserveNext();
      if (port === undefined) break;
      let pair: [Socket, Socket];
      try {
        pair = await this.bindPair(port);
      } catch (err) {
        this.pool.release(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') continue; // taken by another process: next pair
        throw err;
      }
      if (this.shut) {
        pair[0].close();
        pair[1].close();
        this.pool.release(port);
        throw new Error('RtpRelay is closed');
      }
      const ep = new RelayEndpoint(this.ids(), this.advertised, port, port + 1, pair[0], pair[1], this);
      this.endpoints.set(ep.id, ep);
      return ep;
    }
    throw new PortRangeExhaustedError(this.opts.portMin, this.opts.portMax, this.pool.inUse);
  }

  /** Connects a and b both ways (dropping their former partners) and stops their players: O(1). */
  bridge(a: MediaEndpoint, b: MediaEndpoint): void {
    const x = this.own(a);
    const y = this.own(b);
    if (x === y) throw new TypeError('RtpRelay.bridge: cannot bridge an endpoint to itself');
    if (x.closed || y.closed) return; // a leg hung up meanwhile: nothing to connect
    if (x.partner !== null && x.partner !== y) x.partner.partner = null;
    if (y.partner !== null && y.partner !== x) y.partner.partner = null;
    x.partner = y;
    y.partner = x;
    x.player?.stop();
    y.player?.stop();
  }

  /** Disconnects `a` from its partner, both ways. */
  unbridge(a: MediaEndpoint): void {
    const x = this.own(a);
    const p = x.partner;
    if (p !== null) p.partner = null;
    x.partner = null;
  }

  /**
   * Plays `source` to the endpoint's peer in `opts.codec` (PCMU or PCMA; anything else throws). Replaces a
   * player already running there. While it plays, packets the bridge partner would send to this peer are
   * held back (the peer hears the player); packets from this peer still reach the partner. A WAV file that
   * cannot be read or is not 8 kHz mono 16-bit PCM throws a `WavFormatError` here.
   */
  play(endpoint: MediaEndpoint, source: MediaSource, opts: PlayOptions): Player {
    const ep = this.own(endpoint);
    const law = lawOf(opts.codec);
    if (law === undefined) {
      throw new TypeError(`RtpRelay.play: cannot play codec ${opts.codec.name}/${opts.codec.clockRate}`);
    }
    const audio =
      source.kind === 'tone'
        ? encodedFor(toneSamples(source.tone), law, true)
        : encodedFor(readWav(source.path), law);
    ep.player?.stop();
    const player: RtpPlayer = new RtpPlayer({
      audio: ep.closed ? Buffer.alloc(0) : audio,
      law,
      payloadType: opts.codec.payloadType,
      loop: opts.loop ?? source.kind === 'tone',
      send: (pkt) => ep.sendRtp(pkt),
      clock: this.clock,
      random: this.random,
      onEnd: () => {
        if (ep.player === player) ep.player = null;
      },
    });
    if (!player.ended) ep.player = player;
    return player;
  }

  stats(): { endpoints: number; packetsRelayed: number } {
    return { endpoints: this.endpoints.size, packetsRelayed: this.relayed };
  }

  /** Closes every endpoint and waits for their sockets; later `allocate()` calls reject. */
  async close(): Promise<void> {
    this.shut = true;
    for (const ep of [...this.endpoints.values()]) ep.close();
    await Promise.all([...this.closing]);
  }

  /** @internal called by an endpoint's close(). */
  endpointClosed(ep: RelayEndpoint): void {
    this.endpoints.delete(ep.id);
    this.pool.release(ep.rtpPort);
    const p = ep.whenClosed();
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  private own(e: MediaEndpoint): RelayEndpoint {
    if (!(e instanceof RelayEndpoint))
      throw new TypeError('RtpRelay: endpoint was not allocated by this relay');
    return e;
  }

  private async bindPair(port: number): Promise<[Socket, Socket]> {
    const rtp = await this.bindOne(port);
    try {
      return [rtp, await this.bindOne(port + 1)];
    } catch (err) {
      rtp.close();
      throw err;
    }
  }

  private bindOne(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = createSocket({ type: this.family, lookup: fastLookup });
      const onError = (err: Error): void => {
        try {
          s.close();
        } catch {
          // never bound
        }
        reject(err);
      };
      s.once('error', onError);
      s.bind({ port, address: this.opts.host, exclusive: true }, () => {
        s.off('error', onError);
        s.on('error', () => this.socketErrors++);
        resolve(s);
      });
    });
  }
}
