/** SDP offer/answer helpers of the media plane. */
export { parseAudio } from './parse.ts';
export type { ParseAudioResult } from './parse.ts';
export { buildSdp } from './build.ts';
export type { BuildSdpOptions } from './build.ts';
export {
  SUPPORTED_CODECS,
  offerCodecs,
  answerCodecs,
  isSupported,
  isTelephoneEvent,
  sameCodec,
} from './codecs.ts';
