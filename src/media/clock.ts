/**
 * Time and randomness injected into the media plane (players, relay). Structurally the same as the SIP
 * core's `Clock` (`src/sip/clock.ts`), so the composition root passes the same clock, and tests the same
 * `FakeClock`; it is re-declared here because `src/media/` imports nothing of ringd outside itself.
 */
import { randomBytes } from 'node:crypto';

/** Opaque timer handle. */
export type MediaTimerHandle = object;

/** Monotonic time in milliseconds plus one-shot timers. */
export interface MediaClock {
  now(): number;
  setTimer(ms: number, fn: () => void): MediaTimerHandle;
  clearTimer(handle: MediaTimerHandle | undefined): void;
}

/** The real clock: `performance.now()` and Node timers. */
export const systemMediaClock: MediaClock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms),
  clearTimer(handle) {
    if (handle !== undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** A random unsigned 32-bit integer (SSRC, initial sequence number and timestamp). */
export type RandomUint32 = () => number;

/** Cryptographically random 32-bit values. */
export const cryptoRandomUint32: RandomUint32 = () => randomBytes(4).readUInt32BE(0);

/** Endpoint ids: a random per-process prefix and a counter (unique, cheap: no entropy per endpoint). */
const ID_PREFIX = 'ep-' + randomBytes(6).toString('hex') + '-';
let idCounter = 0;
export const randomEndpointId = (): string => ID_PREFIX + (++idCounter).toString(36);
