/**
 * The A side of a call, as the legs it rings see it: what to offer them (the caller's supported codecs
 * while unanswered, else exactly the codec A already uses — ringd never transcodes), which answers can be
 * connected to A, and a tone played to A for a while (`play_tone`).
 */
import { answerCodecs, offerCodecs, sameCodec } from '../../media/sdp/index.ts';
import type { Codec, MediaDirection, MediaPlane, Player } from '../../media/types.ts';
import type { TimerHandle } from '../../sip/clock.ts';
import type { FlowTone } from '../callflow/types.ts';
import type { EngineTimers } from './engine-timers.ts';
import type { InboundLeg } from './inbound-leg.ts';
import type { OutboundLeg } from './outbound-leg.ts';

/** The A leg, and whether it is still an unanswered caller. */
export interface ASide {
  a: InboundLeg | OutboundLeg | undefined;
  unanswered: boolean;
}

/** What to offer the legs A rings. */
export function calleeOffer({ a, unanswered }: ASide): { codecs: Codec[]; direction: MediaDirection } {
  if (a === undefined) return { codecs: [], direction: 'sendrecv' };
  if (unanswered && a.role === 'caller')
    return { codecs: offerCodecs(a.offer.codecs), direction: a.offer.direction };
  return { codecs: [...a.media.codecs], direction: 'sendrecv' };
}

/** The codecs to connect A with a callee that answered `codecs` ([] = it cannot be). */
export function codecsToConnect({ a, unanswered }: ASide, codecs: readonly Codec[]): Codec[] {
  if (a === undefined) return [];
  if (unanswered && a.role === 'caller') return answerCodecs(a.offer.codecs, codecs);
  const audio = a.media.audioCodec;
  return audio !== undefined && codecs.some((c) => sameCodec(c, audio)) ? a.media.codecs : [];
}

/** One tone at a time to one leg, each for a bounded time. */
export class TonePlayback {
  private current: { player: Player; timer: TimerHandle | undefined } | undefined;

  constructor(
    private readonly media: MediaPlane,
    private readonly timers: EngineTimers,
  ) {}

  /** Plays `tone` to `leg` for `ms` (or until `stop`); resolves when it ends. */
  async play(leg: InboundLeg | OutboundLeg, tone: FlowTone, ms: number): Promise<void> {
    const ep = leg.media.endpoint;
    const codec = leg.media.audioCodec;
    if (ep === undefined || codec === undefined) return;
    this.stop();
    const player = this.media.play(ep, { kind: 'tone', tone }, { codec, loop: true });
    const playing: { player: Player; timer: TimerHandle | undefined } = { player, timer: undefined };
    this.current = playing;
    playing.timer = this.timers.set(ms, () => {
      playing.timer = undefined;
      player.stop();
    });
    await player.done;
    playing.timer = this.timers.clear(playing.timer);
    if (this.current === playing) this.current = undefined;
  }

  /** Stops what plays (idempotent). */
  stop(): void {
    const p = this.current;
    if (p === undefined) return;
    this.current = undefined;
    p.timer = this.timers.clear(p.timer);
    p.player.stop();
  }
}

/**
 * Pickup (pickup.md step 5): the codecs to answer each of two calls' A legs with so that both send the
 * same codec — ringd never transcodes. `x` / `y` are given only for a side still unanswered; undefined
 * when the two cannot share a codec.
 */
export function joinCodecs(x: ASide, y: ASide): { x?: Codec[]; y?: Codec[] } | undefined {
  const xa = x.a;
  const ya = y.a;
  if (xa === undefined || ya === undefined) return undefined;
  const xOpen = x.unanswered && xa.role === 'caller' ? xa : undefined;
  const yOpen = y.unanswered && ya.role === 'caller' ? ya : undefined;
  let cx: Codec[] | undefined;
  let cy: Codec[] | undefined;
  if (xOpen && yOpen) {
    cx = answerCodecs(xOpen.offer.codecs, offerCodecs(yOpen.offer.codecs));
    cy = answerCodecs(yOpen.offer.codecs, cx);
  } else if (xOpen) cx = answerCodecs(xOpen.offer.codecs, ya.media.codecs);
  else if (yOpen) cy = answerCodecs(yOpen.offer.codecs, xa.media.codecs);
  const ax = audioOf(cx ?? xa.media.codecs);
  const ay = audioOf(cy ?? ya.media.codecs);
  if (ax === undefined || ay === undefined || !sameCodec(ax, ay)) return undefined;
  return { ...(cx ? { x: cx } : {}), ...(cy ? { y: cy } : {}) };
}

function audioOf(codecs: readonly Codec[]): Codec | undefined {
  return codecs.find((c) => c.name.toLowerCase() !== 'telephone-event');
}
