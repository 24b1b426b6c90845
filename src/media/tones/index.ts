/** Tones, G.711 and the RTP player of the media plane. */
export { linearToUlaw, linearToAlaw, ulawToLinear, alawToLinear, encodeG711, decodeG711 } from './g711.ts';
export type { G711Law } from './g711.ts';
export { TONES, SAMPLE_RATE, renderSteps, toneSamples } from './generators.ts';
export type { ToneName, ToneStep } from './generators.ts';
export { parseWav, readWav, encodeWav, WavFormatError } from './wav.ts';
export { RtpPlayer, lawOf, encodedFor, SAMPLES_PER_PACKET, PACKET_MS } from './player.ts';
export type { RtpPlayerOptions } from './player.ts';
