/**
 * One UDP socket (RFC 3261 §18 over `node:dgram`): each datagram is one message (§18.3).
 * Judging the bytes is the owner's job; this class only moves datagrams and never lets a socket error escape.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ipFamily } from '../message/ip.ts';
import type { Endpoint } from '../message/types.ts';
import type { TransportLogger } from './types.ts';
import { normalizeAddress } from './via-rules.ts';

/**
 * The socket's `lookup`: the transport only ever sends to IP addresses (no DNS in the core yet), so they
 * resolve synchronously instead of taking Node's default `dns.lookup` detour through the event loop on
 * every datagram (it showed in the call benchmark's profile). A name fails with ENOTFOUND.
 */
function ipLookup(host: string, opts: unknown, cb?: unknown): void {
  const callback = (typeof opts === 'function' ? opts : cb) as (
    e: Error | null,
    a: string,
    f: number,
  ) => void;
  const family = ipFamily(host);
  if (family !== 0) callback(null, host, family);
  else callback(Object.assign(new Error(`not an IP address: ${host}`), { code: 'ENOTFOUND' }), '', 0);
}

/** The first bytes of a queue probe (then a 32-bit sequence number). */
const PROBE_MAGIC = Buffer.from('ringd-queue-probe:');

/** A datagram waiting for the end of the event loop's turn. */
interface Outgoing {
  bytes: Buffer;
  dest: Endpoint;
  onFail: (err: Error) => void;
  sent: boolean;
}

/** Up to this many datagrams in a turn are grouped by scanning; more, through a map. */
const GROUP_SCAN_MAX = 16;

/** Callbacks of a {@link UdpTransport}. */
export interface UdpDelegate {
  /** A datagram arrived from `source`. */
  datagram(bytes: Buffer, source: Endpoint): void;
}

/** A bound UDP socket. */
export class UdpTransport {
  private readonly socket: dgram.Socket;
  private boundPort = 0;
  private closed = false;
  /** The queue probe's own socket and where its datagrams come from (see {@link probe}). */
  private probeSocket: dgram.Socket | undefined;
  private probePort = -1;
  private probeAddress = '';
  private probeSeq = 0;
  private probeArrived: (() => void) | undefined;
  private probeFailing = false;

  constructor(
    private readonly host: string,
    private readonly delegate: UdpDelegate,
    private readonly log: TransportLogger,
  ) {
    this.socket = dgram.createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      lookup: ipLookup as unknown as dgram.SocketOptions['lookup'],
    });
    this.socket.on('message', (bytes, rinfo) => {
      if (rinfo.port === this.probePort && rinfo.address === this.probeAddress) {
        this.probeRead(bytes);
        return;
      }
      this.delegate.datagram(bytes, {
        transport: 'UDP',
        address: normalizeAddress(rinfo.address),
        port: rinfo.port,
      });
    });
    // A socket error must never crash the process (e.g. ICMP-induced errors on some platforms).
    this.socket.on('error', (err) => this.log('warn', 'udp-socket-error', { error: err.message }));
  }

  /**
   * Binds to `host:port` (0 = the OS picks); resolves with the bound port. `bufferBytes` asks the kernel
   * for socket buffers of that size (SO_RCVBUF/SO_SNDBUF; Linux caps them at net.core.rmem_max/wmem_max).
   */
  bind(port: number, bufferBytes = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.socket.once('error', onError);
      this.socket.bind(port, this.host, () => {
        this.socket.off('error', onError);
        this.boundPort = this.socket.address().port;
        if (bufferBytes > 0) this.sizeBuffers(bufferBytes);
        resolve(this.boundPort);
      });
    });
  }

  /** The receive buffer the kernel granted (bytes; Linux reports twice what was asked, for bookkeeping). */
  get receiveBufferBytes(): number {
    try {
      return this.socket.getRecvBufferSize();
    } catch {
      return 0;
    }
  }

  private sizeBuffers(bytes: number): void {
    // A short burst (a stall of the event loop, a flood of REGISTERs) must queue in the kernel rather than be
    // dropped: the default buffer (~208 KiB) holds ~100 ms of a busy server's traffic.
    try {
      this.socket.setRecvBufferSize(bytes);
      this.socket.setSendBufferSize(bytes);
    } catch (err) {
      this.log('warn', 'udp-buffer-size', { error: (err as Error).message, bytes });
    }
  }

  /** The bound port (0 before {@link bind}). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Sends one datagram; `onFail` is called asynchronously on failure (DNS, EMSGSIZE, closed socket…).
   * The datagram leaves at the end of the event loop's current turn, with the others sent in that turn,
   * grouped by destination (in order for each): see {@link flush}.
   */
  send(bytes: Buffer, dest: Endpoint, onFail: (err: Error) => void): void {
    if (this.closed) {
      queueMicrotask(() => onFail(new Error('UDP transport closed')));
      return;
    }
    this.outbox.push({ bytes, dest, onFail, sent: false });
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flushNow);
    }
  }

  /** Datagrams queued this turn of the event loop ({@link flush}). */
  private outbox: Outgoing[] = [];
  private flushing = false;
  private readonly flushNow = (): void => this.flush();

  /**
   * Sends what this turn of the event loop queued, one destination after another (each in order). On
   * loopback and in VMs much of a datagram's cost is waking the process it is for: datagrams to one peer
   * sent back to back find it awake, and the peers woken no longer preempt ringd while it still has
   * messages of this turn to handle (measured: −15 % CPU per group call, bench:groupcall at 650/s).
   */
  private flush(): void {
    this.flushing = false;
    const box = this.outbox;
    const n = box.length;
    if (n === 0) return;
    this.outbox = [];
    if (n === 1) {
      this.sendNow(box[0]);
      return;
    }
    if (n <= GROUP_SCAN_MAX) {
      // A few datagrams: group by scanning (no allocation).
      for (let i = 0; i < n; i++) {
        const m = box[i];
        if (m.sent) continue;
        this.sendNow(m);
        for (let j = i + 1; j < n; j++) {
          const o = box[j];
          if (!o.sent && o.dest.port === m.dest.port && o.dest.address === m.dest.address) this.sendNow(o);
        }
      }
      return;
    }
    const byDest = new Map<string, Outgoing[]>();
    for (const m of box) {
      const key = `${m.dest.address} ${m.dest.port}`;
      const list = byDest.get(key);
      if (list === undefined) byDest.set(key, [m]);
      else list.push(m);
    }
    for (const list of byDest.values()) for (const m of list) this.sendNow(m);
  }

  private sendNow(m: Outgoing): void {
    m.sent = true;
    const { bytes, dest, onFail } = m;
    if (this.closed) {
      onFail(new Error('UDP transport closed'));
      return;
    }
    try {
      this.socket.send(bytes, dest.port, dest.address, (err) => {
        if (err) onFail(err);
      });
    } catch (err) {
      // dgram throws synchronously for some argument errors (e.g. a bad port): report like the others.
      const e = err instanceof Error ? err : new Error(String(err));
      queueMicrotask(() => onFail(e));
    }
  }

  /**
   * Sends one probe datagram from a private loopback socket to this socket. It waits in the receive queue
   * behind every datagram that arrived before it, so the time until `arrived` is called is how long a SIP
   * message waits before it is read (overload control measures that). A new probe supersedes one still in
   * flight, whose arrival is then ignored. Probes never reach the delegate. Returns false when no probe
   * could be sent: not bound, closed, or the probe socket still binding (its first call starts that).
   */
  probe(arrived: () => void): boolean {
    if (this.closed || this.boundPort === 0) return false;
    if (this.probeSocket === undefined) {
      this.openProbe();
      return false;
    }
    if (this.probePort < 0) return false;
    const seq = (this.probeSeq = (this.probeSeq + 1) >>> 0);
    const bytes = Buffer.allocUnsafe(PROBE_MAGIC.length + 4);
    PROBE_MAGIC.copy(bytes);
    bytes.writeUInt32BE(seq, PROBE_MAGIC.length);
    this.probeArrived = arrived;
    this.probeSocket.send(bytes, this.boundPort, this.probeTarget(), (err) => {
      // Logged once per run of failures, not ten times a second.
      if (err && !this.probeFailing) this.log('warn', 'udp-probe-send-failed', { error: err.message });
      this.probeFailing = err !== null && err !== undefined;
    });
    return true;
  }

  /** Where probes go: the bound address, or loopback when bound to every interface. */
  private probeTarget(): string {
    if (this.host === '0.0.0.0') return '127.0.0.1';
    if (this.host === '::') return '::1';
    return this.host;
  }

  private openProbe(): void {
    const target = this.probeTarget();
    const socket = dgram.createSocket({
      type: isIPv6(target) ? 'udp6' : 'udp4',
      lookup: ipLookup as unknown as dgram.SocketOptions['lookup'],
    });
    this.probeSocket = socket;
    socket.on('error', (err) => this.log('warn', 'udp-probe-socket-error', { error: err.message }));
    socket.on('message', () => {}); // nothing is expected on it
    socket.bind(0, target, () => {
      const a = socket.address();
      this.probeAddress = a.address;
      this.probePort = a.port;
    });
  }

  private probeRead(bytes: Buffer): void {
    if (
      bytes.length !== PROBE_MAGIC.length + 4 ||
      bytes.compare(PROBE_MAGIC, 0, PROBE_MAGIC.length, 0, PROBE_MAGIC.length) !== 0 ||
      bytes.readUInt32BE(PROBE_MAGIC.length) !== this.probeSeq
    ) {
      return; // a superseded probe (or a stray datagram from that port)
    }
    const arrived = this.probeArrived;
    this.probeArrived = undefined;
    arrived?.();
  }

  /** Closes the socket. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush(); // what was queued this turn still leaves
    this.closed = true;
    this.probeArrived = undefined;
    try {
      this.probeSocket?.close();
    } catch {
      // still binding or already closed
    }
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound or already closed
      }
    });
  }
}
