/**
 * An in-memory `MediaPlane` for call-engine tests: endpoints with fake addresses and ports, bridges and
 * players recorded so tests can assert who is connected to whom, what plays where, and that everything
 * was closed. No sockets.
 */
import type {
  CloseOptions,
  EndpointStats,
  MediaEndpoint,
  MediaPlane,
  MediaSource,
  Player,
  PlayOptions,
} from '../../src/media/types.ts';

/** A fake endpoint: remembers its remote, its bridge partner and its players. */
export class FakeEndpoint implements MediaEndpoint {
  readonly address: string;
  readonly rtcpPort: number;
  remote: { address: string; rtpPort: number; rtcpPort?: number } | undefined;
  /** Every `setRemote` call, in order. */
  readonly remotes: Array<{ address: string; rtpPort: number; rtcpPort?: number }> = [];
  partner: FakeEndpoint | undefined;
  readonly players = new Set<FakePlayer>();
  private _closed = false;
  /** What `close` was told (`unanswered`: the peer never answered the offer naming this endpoint). */
  closedWith: CloseOptions | undefined;

  constructor(
    private readonly plane: FakeMedia,
    readonly id: string,
    readonly rtpPort: number,
  ) {
    this.address = plane.address;
    this.rtcpPort = rtpPort + 1;
  }

  get closed(): boolean {
    return this._closed;
  }

  setRemote(address: string, rtpPort: number, rtcpPort?: number): void {
    this.remote = { address, rtpPort, rtcpPort };
    this.remotes.push(this.remote);
  }

  stats(): EndpointStats {
    return { rtpIn: 0, rtpOut: 0, rtcpIn: 0, rtcpOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0 };
  }

  close(opts?: CloseOptions): void {
    if (this._closed) return;
    this._closed = true;
    this.closedWith = opts ?? {};
    this.plane.unbridge(this);
    for (const p of [...this.players]) p.stop();
    this.plane.live.delete(this.id);
  }

  /** Tones playing to this endpoint's peer right now. */
  playing(): string[] {
    return [...this.players].map((p) => (p.source.kind === 'tone' ? p.source.tone : p.source.path));
  }
}

/** A fake player: stops on demand. */
export class FakePlayer implements Player {
  readonly done: Promise<void>;
  stopped = false;
  private resolve!: () => void;

  constructor(
    readonly endpoint: FakeEndpoint,
    readonly source: MediaSource,
    readonly opts: PlayOptions,
  ) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endpoint.players.delete(this);
    this.resolve();
  }
}

/** Options of {@link FakeMedia}. */
export interface FakeMediaOptions {
  address?: string;
  firstPort?: number;
  /** Make `allocate()` reject (`allocateNow()` throw) after this many endpoints are live. */
  capacity?: number;
}

/** The in-memory media plane. */
export class FakeMedia implements MediaPlane {
  readonly address: string;
  /** Live endpoints by id. */
  readonly live = new Map<string, FakeEndpoint>();
  /** Every endpoint ever allocated, in order. */
  readonly all: FakeEndpoint[] = [];
  /** Every play() call. */
  readonly plays: FakePlayer[] = [];
  private nextPort: number;
  private readonly capacity: number;

  constructor(opts: FakeMediaOptions = {}) {
    this.address = opts.address ?? '192.0.2.100';
    this.nextPort = opts.firstPort ?? 30000;
    this.capacity = opts.capacity ?? Infinity;
  }

  async allocate(): Promise<MediaEndpoint> {
    return this.allocateNow();
  }

  allocateNow(): MediaEndpoint {
    if (this.live.size >= this.capacity) throw new Error('RTP port range exhausted');
    const ep = new FakeEndpoint(this, `ep${this.all.length + 1}`, this.nextPort);
    this.nextPort += 2;
    this.live.set(ep.id, ep);
    this.all.push(ep);
    return ep;
  }

  /** The latest endpoint facing the peer at `address` (its SDP's address); throws when there is none. */
  facing(address: string): FakeEndpoint {
    for (let i = this.all.length - 1; i >= 0; i--)
      if (this.all[i].remote?.address === address) return this.all[i];
    throw new Error(`FakeMedia: no endpoint faces ${address}`);
  }

  bridge(a: MediaEndpoint, b: MediaEndpoint): void {
    const fa = a as FakeEndpoint;
    const fb = b as FakeEndpoint;
    if (fa.closed || fb.closed) throw new Error('bridge of a closed endpoint');
    this.unbridge(fa);
    this.unbridge(fb);
    fa.partner = fb;
    fb.partner = fa;
    for (const p of [...fa.players, ...fb.players]) p.stop();
  }

  unbridge(a: MediaEndpoint): void {
    const fa = a as FakeEndpoint;
    if (fa.partner) fa.partner.partner = undefined;
    fa.partner = undefined;
  }

  play(endpoint: MediaEndpoint, source: MediaSource, opts: PlayOptions): Player {
    const ep = endpoint as FakeEndpoint;
    if (ep.closed) throw new Error('play on a closed endpoint');
    const p = new FakePlayer(ep, source, opts);
    ep.players.add(p);
    this.plays.push(p);
    return p;
  }

  stats(): { endpoints: number; packetsRelayed: number } {
    return { endpoints: this.live.size, packetsRelayed: 0 };
  }

  async close(): Promise<void> {
    for (const ep of [...this.live.values()]) ep.close();
  }
}
