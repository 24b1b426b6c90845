// Shared helpers of the transport tests: raw UDP/TCP peers on 127.0.0.1, corpus loading, bounded waits.
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { SipTransportLayer } from '../../../../src/sip/transport/index.ts';
import type {
  InboundMessage,
  SipTransportLayerOptions,
  TransportError,
} from '../../../../src/sip/transport/index.ts';
import { sequentialIds } from '../../../../src/sip/ids.ts';
import { RFC4475_DIR } from '../../../support/rfc4475.ts';

const CORPUS = RFC4475_DIR;

/** Bytes of an RFC 4475 torture message. */
export function corpus(name: string): Buffer {
  const file = path.join(CORPUS, name + '.dat');
  if (!existsSync(file)) throw new Error(`RFC 4475 corpus missing: ${file}`);
  return readFileSync(file);
}

/** Rejects after `ms` with a message naming what was awaited. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Waits a little real time (to let packets that should NOT arrive have their chance). */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every few ms until true, failing after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await settle(5);
  }
}

/** A SIP request as text; `via` is the full Via value. */
export function request(opts: {
  method?: string;
  via: string;
  callId?: string;
  headers?: string[];
  body?: string | Buffer;
  contentLength?: string | null;
}): Buffer {
  const method = opts.method ?? 'OPTIONS';
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : (opts.body ?? Buffer.alloc(0));
  const lines = [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    `Via: ${opts.via}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    `Call-ID: ${opts.callId ?? 'call-1@test'}`,
    `CSeq: 1 ${method}`,
    ...(opts.headers ?? []),
  ];
  if (opts.contentLength !== null) lines.push(`Content-Length: ${opts.contentLength ?? body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]);
}

/** A SIP response as text; `via` is the full top Via value. */
export function response(via: string, status = 200): Buffer {
  return Buffer.from(
    [
      `SIP/2.0 ${status} OK`,
      `Via: ${via}`,
      'From: <sip:bob@example.com>;tag=b1',
      'To: <sip:alice@example.com>;tag=a9',
      'Call-ID: out-1@test',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/** A started layer with everything it reported collected. */
export interface Harness {
  layer: SipTransportLayer;
  inbound: InboundMessage[];
  errors: TransportError[];
  logs: Array<{ level: string; event: string; data?: Record<string, unknown> }>;
}

/** Starts a `SipTransportLayer` on 127.0.0.1 with OS-chosen ports. */
export async function startLayer(options: SipTransportLayerOptions = {}): Promise<Harness> {
  const h: Harness = { layer: undefined as unknown as SipTransportLayer, inbound: [], errors: [], logs: [] };
  h.layer = new SipTransportLayer({
    ids: sequentialIds('srv-'),
    logger: (level, event, data) => h.logs.push({ level, event, data }),
    ...options,
  });
  h.layer.onMessage = (m) => h.inbound.push(m);
  h.layer.onError = (e) => h.errors.push(e);
  await h.layer.listen();
  return h;
}

/** A raw UDP socket playing the remote party. */
export class UdpPeer {
  readonly received: Buffer[] = [];
  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (m) => this.received.push(m));
  }

  static async open(): Promise<UdpPeer> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new UdpPeer(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(bytes: Buffer, port: number): void {
    this.socket.send(bytes, port, '127.0.0.1');
  }

  /** Resolves with the `n`-th datagram received (1-based), waiting up to `ms`. */
  async nth(n: number, ms = 2000): Promise<Buffer> {
    await until(() => this.received.length >= n, `datagram #${n}`, ms);
    return this.received[n - 1];
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** A raw TCP client playing the remote party. */
export class TcpPeer {
  private chunks: Buffer[] = [];
  closed = false;
  ended = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c) => this.chunks.push(c));
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<TcpPeer> {
    const s = net.connect({ host: '127.0.0.1', port });
    await within(new Promise<void>((r) => s.once('connect', () => r())), 2000, 'tcp connect');
    return new TcpPeer(s);
  }

  /** Wraps an accepted socket (when the layer connected to us). */
  static wrap(s: net.Socket): TcpPeer {
    return new TcpPeer(s);
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Everything received so far. */
  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.data.toString('latin1');
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Writes one byte per write call, letting the event loop run in between so they arrive separately. */
  async writeSlowly(bytes: Buffer, pauseEvery = 1): Promise<void> {
    for (let i = 0; i < bytes.length; i++) {
      this.socket.write(bytes.subarray(i, i + 1));
      if (i % pauseEvery === 0) await new Promise((r) => setImmediate(r));
    }
  }

  waitText(pred: (text: string) => boolean, what: string, ms = 2000): Promise<void> {
    return until(() => pred(this.text), what, ms);
  }

  waitClosed(what = 'connection close', ms = 2000): Promise<void> {
    return until(() => this.ended || this.closed, what, ms);
  }

  close(): void {
    this.socket.destroy();
  }
}
