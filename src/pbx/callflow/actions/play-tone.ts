/**
 * `play_tone` `{ tone?, duration? }`: answers the call (ringd has no early media yet) and plays a tone —
 * `ring` (ringback, default), `busy`, `congestion`, `beep`, `failure` — for `duration` ms (default 3000),
 * then goes on to `"_"`.
 */
import { numberField, stringField } from '../node.ts';
import type { Action, FlowTone } from '../types.ts';

/** Default `duration` (ms). */
export const DEFAULT_TONE_MS = 3000;

const TONES: Record<string, FlowTone> = {
  ring: 'ringback',
  busy: 'busy',
  congestion: 'congestion',
  beep: 'beep',
  failure: 'failure',
};

export const playToneAction: Action = async (ctx) => {
  const tone = TONES[stringField(ctx.node.data, 'tone', 'ring')] ?? 'ringback';
  const ms = numberField(ctx.node.data, 'duration', DEFAULT_TONE_MS);
  await ctx.call.play(tone, ms > 0 ? ms : DEFAULT_TONE_MS);
  return { kind: 'continue' };
};
