/**
 * Plays G.711 audio as an RTP stream: one 20 ms packet (160 samples) per tick of the injected clock, with
 * a fresh random SSRC, a random initial sequence number and timestamp, and the marker bit on the first
 * packet (RFC 3550 §5.1, RFC 3551 §4.1). The sink is the endpoint's RTP socket, towards its remote.
 */
import type { Codec, Player } from '../types.ts';
import type { MediaClock, MediaTimerHandle, RandomUint32 } from '../clock.ts';
import { encodeG711 } from './g711.ts';
import type { G711Law } from './g711.ts';

/** Samples per packet (20 ms at 8 kHz). */
export const SAMPLES_PER_PACKET = 160;
/** Packet interval in milliseconds. */
export const PACKET_MS = 20;
const RTP_HEADER = 12;
/** When the timers fall this far behind (a stalled event loop), skip ahead instead of bursting. */
const MAX_LATE_MS = 100;

/** The G.711 law of a codec, or undefined when ringd cannot play it. */
export function lawOf(codec: Codec): G711Law | undefined {
  if (codec.clockRate !== 8000) return undefined;
  const n = codec.name.toUpperCase();
  return n === 'PCMU' ? 'ulaw' : n === 'PCMA' ? 'alaw' : undefined;
}

const encodedCache = new Map<Int16Array, { ulaw?: Buffer; alaw?: Buffer }>();

/** G.711 bytes of `pcm`, memoised per PCM array (tone tables are shared arrays). */
export function encodedFor(pcm: Int16Array, law: G711Law, memo = false): Buffer {
  if (!memo) return encodeG711(pcm, law);
  let e = encodedCache.get(pcm);
  if (!e) {
    e = {};
    encodedCache.set(pcm, e);
  }
  return (e[law] ??= encodeG711(pcm, law));
}

/** Options of {@link RtpPlayer}. */
export interface RtpPlayerOptions {
  /** G.711 payload bytes to play (one byte per sample). */
  audio: Buffer;
  law: G711Law;
  payloadType: number;
  loop: boolean;
  /** Sends one RTP packet (the endpoint's socket, towards its remote). */
  send: (packet: Buffer) => void;
  clock: MediaClock;
  random: RandomUint32;
  /** Called once when the player ends (source done or stopped). */
  onEnd?: () => void;
}

/** A running RTP player; see the module comment. Starts sending on construction. */
export class RtpPlayer implements Player {
  readonly done: Promise<void>;
  /** Packets sent so far. */
  sent = 0;
  private resolveDone!: () => void;
  private timer: MediaTimerHandle | undefined;
  private stopped = false;
  private offset = 0;
  private seq: number;
  private ts: number;
  private readonly ssrc: number;
  private start: number;
  private readonly silence: number;

  constructor(private readonly o: RtpPlayerOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.ssrc = o.random() >>> 0;
    this.seq = o.random() & 0xffff;
    this.ts = o.random() >>> 0;
    this.silence = o.law === 'ulaw' ? 0xff : 0xd5;
    this.start = o.clock.now();
    if (o.audio.length === 0) this.finish();
    else this.tick(0);
  }

  /** Stops sending; idempotent. */
  stop(): void {
    this.finish();
  }

  /** True once stopped or ended. */
  get ended(): boolean {
    return this.stopped;
  }

  private tick(n: number): void {
    if (this.stopped) return;
    this.sendPacket(n === 0);
    if (this.stopped) return;
    if (!this.o.loop && this.offset >= this.o.audio.length) {
      this.finish();
      return;
    }
    const next = n + 1;
    const now = this.o.clock.now();
    let delay = this.start + next * PACKET_MS - now;
    if (delay < -MAX_LATE_MS) {
      // rebase the schedule on now rather than sending a burst of late packets
      this.start = now - n * PACKET_MS;
      delay = PACKET_MS;
    }
    this.timer = this.o.clock.setTimer(delay > 0 ? delay : 0, () => this.tick(next));
  }

  private sendPacket(marker: boolean): void {
    const audio = this.o.audio;
    const pkt = Buffer.allocUnsafe(RTP_HEADER + SAMPLES_PER_PACKET);
    pkt[0] = 0x80;
    pkt[1] = (marker ? 0x80 : 0) | (this.o.payloadType & 0x7f);
    pkt.writeUInt16BE(this.seq, 2);
    pkt.writeUInt32BE(this.ts, 4);
    pkt.writeUInt32BE(this.ssrc, 8);
    let filled = 0;
    while (filled < SAMPLES_PER_PACKET) {
      if (this.offset >= audio.length) {
        if (!this.o.loop) break;
        this.offset = 0;
      }
      const n = Math.min(SAMPLES_PER_PACKET - filled, audio.length - this.offset);
      audio.copy(pkt, RTP_HEADER + filled, this.offset, this.offset + n);
      filled += n;
      this.offset += n;
    }
    if (filled < SAMPLES_PER_PACKET) pkt.fill(this.silence, RTP_HEADER + filled);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + SAMPLES_PER_PACKET) >>> 0;
    this.sent++;
    this.o.send(pkt);
  }

  private finish(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.resolveDone();
    this.o.onEnd?.();
  }
}
