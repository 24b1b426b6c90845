import { createSocket } from 'node:dgram';
import type { Socket, RemoteInfo } from 'node:dgram';

/** A received datagram. */
export interface Datagram {
  data: Buffer;
  from: RemoteInfo;
}

/** A fake SIP peer's media socket on 127.0.0.1 that records what it receives. */
export class Peer {
  readonly received: Datagram[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  private constructor(readonly sock: Socket) {
    sock.on('message', (data, from) => {
      this.received.push({ data, from });
      this.waiters = this.waiters.filter((w) => {
        if (this.received.length >= w.n) w.resolve();
        return this.received.length < w.n;
      });
    });
  }

  static async open(): Promise<Peer> {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    return new Peer(sock);
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(data: Buffer, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sock.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Resolves once `n` datagrams in total have arrived; rejects after a generous safety delay. */
  waitFor(n: number, what = `${n} datagram(s)`): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(new Error(`peer :${this.port} timed out waiting for ${what} (has ${this.received.length})`)),
        5000,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** An RTP packet with the given sequence number, PT 0 and a 160-byte payload tagged with `tag`. */
export function rtp(seq: number, tag = 0, pt = 0): Buffer {
  const b = Buffer.alloc(172, tag);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0x1234_0000 + tag, 8);
  return b;
}

/** A minimal RTCP receiver report (PT 201). */
export function rtcp(tag = 0): Buffer {
  const b = Buffer.alloc(8, 0);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(0xabcd_0000 + tag, 4);
  return b;
}

/** Lets already-sent loopback datagrams be delivered (a few event-loop turns), for "nothing arrived" checks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 30));
}
