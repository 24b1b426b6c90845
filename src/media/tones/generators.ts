/**
 * Call-progress tones as 8 kHz 16-bit PCM, one full cadence cycle each (a looping player repeats it).
 * Frequencies and cadences follow North American practice (ANSI T1.401 / ITU-T E.180 Supplement 2).
 */

/** The tones of `MediaSource` `{ kind: 'tone' }`. */
export type ToneName = 'ringback' | 'busy' | 'congestion' | 'beep' | 'failure' | 'hold';

/** A step of a cadence: frequencies (Hz, empty = silence), duration, and level of each component. */
export interface ToneStep {
  freqs: readonly number[];
  ms: number;
  /** Peak amplitude of each frequency component, 0..1 of full scale (default 0.2 ≈ −17 dBm0). */
  level?: number;
}

export const SAMPLE_RATE = 8000;
const DEFAULT_LEVEL = 0.2;
/** Raised-cosine ramp at each tone burst's edges, so cadences do not click. */
const RAMP_MS = 4;

/** Cadences of each tone: one cycle. */
export const TONES: Readonly<Record<ToneName, readonly ToneStep[]>> = {
  ringback: [
    { freqs: [440, 480], ms: 2000 },
    { freqs: [], ms: 4000 },
  ],
  busy: [
    { freqs: [480, 620], ms: 500 },
    { freqs: [], ms: 500 },
  ],
  congestion: [
    { freqs: [480, 620], ms: 250 },
    { freqs: [], ms: 250 },
  ],
  beep: [
    { freqs: [1000], ms: 200, level: 0.3 },
    { freqs: [], ms: 200 },
  ],
  // Special information tone (ITU-T Q.35): three rising tones, then silence.
  failure: [
    { freqs: [950], ms: 330, level: 0.3 },
    { freqs: [1400], ms: 330, level: 0.3 },
    { freqs: [1800], ms: 330, level: 0.3 },
    { freqs: [], ms: 1000 },
  ],
  // A soft two-note chime every four seconds.
  hold: [
    { freqs: [523.25], ms: 300, level: 0.08 },
    { freqs: [659.25], ms: 450, level: 0.08 },
    { freqs: [], ms: 3250 },
  ],
};

/** PCM samples of a cadence (steps concatenated), 8 kHz mono. */
export function renderSteps(steps: readonly ToneStep[]): Int16Array {
  let total = 0;
  for (const s of steps) total += Math.round((s.ms * SAMPLE_RATE) / 1000);
  const out = new Int16Array(total);
  let at = 0;
  for (const s of steps) {
    const n = Math.round((s.ms * SAMPLE_RATE) / 1000);
    if (s.freqs.length > 0) {
      const amp = (s.level ?? DEFAULT_LEVEL) * 32767;
      const ramp = Math.min(Math.round((RAMP_MS * SAMPLE_RATE) / 1000), n >> 1);
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (const f of s.freqs) v += Math.sin((2 * Math.PI * f * i) / SAMPLE_RATE);
        let env = 1;
        const edge = Math.min(i, n - 1 - i);
        if (edge < ramp) env = 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp);
        out[at + i] = Math.round(v * amp * env);
      }
    }
    at += n;
  }
  return out;
}

const cache = new Map<ToneName, Int16Array>();

/** PCM samples of one cycle of a named tone (computed once, then shared: do not modify). */
export function toneSamples(tone: ToneName): Int16Array {
  let pcm = cache.get(tone);
  if (!pcm) {
    pcm = renderSteps(TONES[tone]);
    cache.set(tone, pcm);
  }
  return pcm;
}
