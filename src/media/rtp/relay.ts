/**
 * The built-in media plane: a UDP relay in the ringd process. Each endpoint holds a pair of sockets from the
 * configured port range; a bridge is two pointers; a player writes G.711 packets out of an endpoint's
 * socket. See docs/media.md for the model and for how rtpengine would implement the same interface.
 *
 * Socket pairs are pooled: a closed endpoint's pair stays bound and is lent to a later endpoint once it has
 * been idle for `quarantineMs` (late packets of the old call are dropped meanwhile, and latching then
 * follows the new peer); the oldest idle pair is reused first, pairs idle longer than `idleCloseMs` are
 * closed, and at most `maxIdlePairs` stay pooled. A pair in quarantine is lent early only when the port
 * range has no other pair left. A pair whose peer never answered the offer naming it and never sent it a
 * packet (a ring-all member cancelled while it rang, one that said busy) has no late packets to keep out:
 * it skips the quarantine and is lent first, so a group call's ringing legs do not hold their ports for a
 * second after the call is answered elsewhere.
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
import { SocketPair } from './socket-pair.ts';

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
  /** A released socket pair is not lent again before this many ms (default 1000). */
  quarantineMs?: number;
  /** Pooled pairs idle longer than this are closed (ms, default 30 000). */
  idleCloseMs?: number;
  /**
   * Most pairs kept bound while idle (default: every pair of the port range); beyond it the oldest is closed.
   * A pair closed and bound again costs the event loop more than the call's SIP work does, and at a busy
   * rate the quarantine alone holds (endpoints per second × quarantineMs) pairs — 2 600 at 650 group calls/s.
   */
  maxIdlePairs?: number;
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
  /** Released pairs, oldest first (`idleHead` is the index of the oldest). */
  private idle: SocketPair[] = [];
  private idleHead = 0;
  /** Released pairs that never served a peer: lendable at once, the last released first. */
  private ready: SocketPair[] = [];
  private sweepTimer: ReturnType<MediaClock['setTimer']> | undefined;
  private readonly quarantineMs: number;
  private readonly idleCloseMs: number;
  private readonly maxIdle: number;
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
    this.quarantineMs = nonNegative(opts.quarantineMs, 1000);
    this.idleCloseMs = nonNegative(opts.idleCloseMs, 30_000);
    this.maxIdle = nonNegative(opts.maxIdlePairs, this.pool.size);
  }

  /** A fresh endpoint on the next free pair of the range; rejects with {@link PortRangeExhaustedError}. */
  async allocate(): Promise<MediaEndpoint> {
    return this.allocateEndpoint();
  }

  /** {@link allocate} with the concrete type (tests and the benchmark read `remote()`). */
  async allocateEndpoint(): Promise<RelayEndpoint> {
    return this.allocateNow();
  }

  /**
   * A fresh endpoint, synchronously: a pooled pair, else a newly bound one (binding an IP literal with our
   * synchronous lookup completes, or fails, inside `bind`). Throws {@link PortRangeExhaustedError}.
   */
  allocateNow(): RelayEndpoint {
    if (this.shut) throw new Error('RtpRelay is closed');
    const pooled = this.ready.pop() ?? this.takeIdle(false);
    if (pooled !== undefined) return this.lend(pooled);
    for (let i = 0; i < this.pool.size; i++) {
      const port = this.pool.reserveNext();
      if (port === undefined) break;
      let rtp: Socket;
      try {
        rtp = this.bindNow(port);
      } catch (err) {
        this.pool.release(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') continue; // taken by another process: next pair
        throw err;
      }
      return this.lend(this.newPair(port, rtp));
    }
    // The range is full: a pair still in quarantine is better than no call.
    const early = this.takeIdle(true);
    if (early !== undefined) return this.lend(early);
    throw new PortRangeExhaustedError(this.opts.portMin, this.opts.portMax, this.pool.inUse);
  }

  /**
   * Binds up to `pairs` socket pairs into the pool ahead of traffic (at start-up: the first calls then find
   * their ports ready instead of binding four sockets each while the process is busiest). They are swept
   * like any pooled pair when they stay unused for `idleCloseMs`. Resolves with the number bound.
   */
  async warm(pairs: number): Promise<number> {
    let bound = 0;
    const attempts = Math.min(this.pool.size, pairs * 2 + 16);
    for (let i = 0; i < attempts && bound < pairs && !this.shut && this.pooledCount < this.maxIdle; i++) {
      const port = this.pool.reserveNext();
      if (port === undefined) break;
      try {
        const sp = this.newPair(port, this.bindNow(port));
        sp.releasedAt = this.clock.now() - this.quarantineMs;
        this.idle.push(sp);
        bound++;
      } catch {
        this.pool.release(port); // taken by another process: try the next pair
      }
    }
    this.armSweep();
    return bound;
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

  /** Live endpoints, forwarded packets, socket pairs kept bound in the pool, and sockets bound in all. */
  stats(): { endpoints: number; packetsRelayed: number; pooledPairs: number; sockets: number } {
    let sockets = 0;
    for (const ep of this.endpoints.values()) sockets += ep.pair.sockets;
    for (let i = this.idleHead; i < this.idle.length; i++) sockets += this.idle[i].sockets;
    for (const p of this.ready) sockets += p.sockets;
    return {
      endpoints: this.endpoints.size,
      packetsRelayed: this.relayed,
      pooledPairs: this.pooledCount,
      sockets,
    };
  }

  /** Closes every endpoint and pooled pair and waits for their sockets; later `allocate()` calls reject. */
  async close(): Promise<void> {
    this.shut = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const ep of [...this.endpoints.values()]) ep.close();
    this.closeIdle(() => true);
    this.closeReady(() => true);
    await Promise.all([...this.closing]);
  }

  /** @internal called by an endpoint's close(): its pair goes back to the pool (or is closed). */
  endpointClosed(ep: RelayEndpoint, unused: boolean): void {
    this.endpoints.delete(ep.id);
    const pair = ep.pair;
    if (this.shut || this.maxIdle === 0) {
      this.retire(pair);
      return;
    }
    pair.releasedAt = this.clock.now();
    if (unused) this.ready.push(pair);
    else this.idle.push(pair);
    if (this.pooledCount > this.maxIdle) {
      // Over the cap: the oldest released pair goes (a quarantined one before a ready one).
      if (this.idleCount > 0) this.retire(this.idle[this.idleHead++]);
      else this.retire(this.ready.shift()!);
    }
    this.compactIdle();
    this.armSweep();
  }

  private get idleCount(): number {
    return this.idle.length - this.idleHead;
  }

  /** Pairs pooled in all: quarantined or past it, and ready. */
  private get pooledCount(): number {
    return this.idleCount + this.ready.length;
  }

  private lend(pair: SocketPair): RelayEndpoint {
    const ep = new RelayEndpoint(this.ids(), this.advertised, pair, this);
    this.endpoints.set(ep.id, ep);
    return ep;
  }

  /** The oldest pooled pair, when its quarantine is over (or regardless, with `early`). */
  private takeIdle(early: boolean): SocketPair | undefined {
    if (this.idleCount === 0) return undefined;
    const pair = this.idle[this.idleHead];
    if (!early && this.clock.now() - pair.releasedAt < this.quarantineMs) return undefined;
    this.idleHead++;
    this.compactIdle();
    return pair;
  }

  /** Closes a pair for good and frees its ports in the range. */
  private retire(pair: SocketPair): void {
    const p = pair.close();
    this.closing.add(p);
    void p.then(() => {
      this.closing.delete(p);
      this.pool.release(pair.rtpPort);
    });
  }

  /** Closes pooled pairs from the oldest while `expired(pair)` holds. */
  private closeIdle(expired: (p: SocketPair) => boolean): void {
    while (this.idleCount > 0 && expired(this.idle[this.idleHead])) this.retire(this.idle[this.idleHead++]);
    this.compactIdle();
  }

  /** Closes ready pairs from the longest idle (the bottom of the stack) while `expired(pair)` holds. */
  private closeReady(expired: (p: SocketPair) => boolean): void {
    let n = 0;
    while (n < this.ready.length && expired(this.ready[n])) this.retire(this.ready[n++]);
    if (n > 0) this.ready.splice(0, n);
  }

  private compactIdle(): void {
    if (this.idleHead === this.idle.length) {
      this.idle = [];
      this.idleHead = 0;
    } else if (this.idleHead > 1024 && this.idleHead * 2 > this.idle.length) {
      this.idle = this.idle.slice(this.idleHead);
      this.idleHead = 0;
    }
  }

  /** While pairs are pooled, a timer closes those idle longer than `idleCloseMs`. */
  private armSweep(): void {
    if (this.sweepTimer !== undefined || this.pooledCount === 0) return;
    const every = Math.max(1000, Math.min(this.idleCloseMs, 10_000));
    this.sweepTimer = this.clock.setTimer(every, () => {
      this.sweepTimer = undefined;
      const now = this.clock.now();
      this.closeIdle((p) => now - p.releasedAt >= this.idleCloseMs);
      this.closeReady((p) => now - p.releasedAt >= this.idleCloseMs);
      this.armSweep();
    });
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  private own(e: MediaEndpoint): RelayEndpoint {
    if (!(e instanceof RelayEndpoint))
      throw new TypeError('RtpRelay: endpoint was not allocated by this relay');
    return e;
  }

  private newPair(port: number, rtp: Socket): SocketPair {
    return new SocketPair(
      port,
      rtp,
      (p) => {
        try {
          return Promise.resolve(this.bindNow(p));
        } catch (err) {
          return Promise.reject(err as Error);
        }
      },
      () => this.socketErrors++,
    );
  }

  /** Binds one socket on `port` of our host, synchronously; throws the bind error. */
  private bindNow(port: number): Socket {
    const s = createSocket({ type: this.family, lookup: fastLookup });
    let error: Error | undefined;
    let bound = false;
    const onError = (err: Error): void => {
      error = err;
    };
    s.once('error', onError);
    s.bind({ port, address: this.opts.host, exclusive: true }, () => {
      bound = true;
    });
    s.off('error', onError);
    if (!bound) {
      try {
        s.close();
      } catch {
        // never bound
      }
      throw error ?? new Error(`RtpRelay: binding port ${port} did not complete`);
    }
    s.on('error', () => this.socketErrors++);
    return s;
  }
}

function nonNegative(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v >= 0 ? v : dflt;
}
