/**
 * Codec policy of ringd: G.711 (PCMU, PCMA) and telephone-event, no transcoding. The B2BUA offers each leg
 * the codecs the other leg offered (that we support, with the other leg's payload types), and answers with
 * the one codec both sides share, so the relay only ever forwards packets untouched.
 */
import type { Codec } from '../types.ts';

/** The codecs ringd relays and plays: PCMU (PT 0), PCMA (PT 8), telephone-event (PT 101, events 0-16). */
export const SUPPORTED_CODECS: readonly Codec[] = Object.freeze([
  Object.freeze({ payloadType: 0, name: 'PCMU', clockRate: 8000 }),
  Object.freeze({ payloadType: 8, name: 'PCMA', clockRate: 8000 }),
  Object.freeze({ payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' }),
]);

/** True for telephone-event (RFC 4733 DTMF), which is not an audio codec. */
export function isTelephoneEvent(c: Codec): boolean {
  return c.name.toLowerCase() === 'telephone-event';
}

/** True when `c` is one of {@link SUPPORTED_CODECS} (by name, case-insensitive, and clock rate). */
export function isSupported(c: Codec): boolean {
  return supportedIndex(c) >= 0;
}

/** Same encoding (name case-insensitive, clock rate, channels defaulting to 1); payload types may differ. */
export function sameCodec(a: Codec, b: Codec): boolean {
  return (
    a.name.toLowerCase() === b.name.toLowerCase() &&
    a.clockRate === b.clockRate &&
    (a.channels ?? 1) === (b.channels ?? 1)
  );
}

function supportedIndex(c: Codec): number {
  for (let i = 0; i < SUPPORTED_CODECS.length; i++) if (sameCodec(c, SUPPORTED_CODECS[i])) return i;
  return -1;
}

/**
 * What to offer the other leg, given what this leg offered: the offered codecs ringd supports, in the
 * offer's order and with the offer's payload types (so packets need no rewriting; a dynamic PT of
 * telephone-event such as 96 is kept). telephone-event is kept (once) only when at least one audio codec
 * remains. Empty when nothing offered is supported.
 */
export function offerCodecs(offered: readonly Codec[]): Codec[] {
  const out: Codec[] = [];
  let audio = 0;
  let dtmf = false;
  const seenPt = new Set<number>();
  for (const c of offered) {
    if (!isSupported(c) || seenPt.has(c.payloadType)) continue;
    if (isTelephoneEvent(c)) {
      if (dtmf) continue;
      dtmf = true;
    } else audio++;
    seenPt.add(c.payloadType);
    out.push({ ...c });
  }
  return audio > 0 ? out : [];
}

/**
 * What to answer a leg whose offer is `offer`: the first audio codec both sides support, preferring the
 * one the other leg chose in its answer (`answerFromOtherSide`) so that no transcoding is needed, plus
 * telephone-event when the offer has it. Payload types are the offer's. Empty = no common codec (488).
 */
export function answerCodecs(offer: readonly Codec[], answerFromOtherSide?: readonly Codec[]): Codec[] {
  const ours = offerCodecs(offer);
  const audio = ours.filter((c) => !isTelephoneEvent(c));
  if (audio.length === 0) return [];
  let chosen: Codec | undefined;
  if (answerFromOtherSide) {
    for (const theirs of answerFromOtherSide) {
      if (isTelephoneEvent(theirs) || !isSupported(theirs)) continue;
      chosen = audio.find((c) => sameCodec(c, theirs));
      if (chosen) break;
    }
  }
  chosen ??= audio[0];
  const out: Codec[] = [chosen];
  const dtmf = ours.find(isTelephoneEvent);
  if (dtmf) out.push(dtmf);
  return out;
}
