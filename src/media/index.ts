/** The media plane: SDP offer/answer, the built-in RTP relay, tones and players. */
export type * from './types.ts';
export * from './sdp/index.ts';
export * from './rtp/index.ts';
export * from './tones/index.ts';
export { systemMediaClock, cryptoRandomUint32 } from './clock.ts';
export type { MediaClock, MediaTimerHandle, RandomUint32 } from './clock.ts';
