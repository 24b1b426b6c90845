/**
 * Small test doubles for the digest tests: a virtual clock and an IdSource with scripted nonces.
 * (Kept local: the shared fakes of src/sip/testing/ are written by another engineer.)
 */
import type { Clock, TimerHandle } from '../../../../src/sip/clock.ts';
import type { IdSource } from '../../../../src/sip/ids.ts';
import { sequentialIds } from '../../../../src/sip/ids.ts';

/** A clock that only moves when told to; timers are not needed by the digest code. */
export class ManualClock implements Clock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  setTimer(): TimerHandle {
    throw new Error('digest code must not set timers');
  }
  clearTimer(): void {}
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Sequential ids whose `nonce()` first returns the scripted values, then `n1`, `n2`… */
export function scriptedIds(...nonces: string[]): IdSource {
  const base = sequentialIds();
  return { ...base, nonce: () => nonces.shift() ?? base.nonce() };
}

/** A fixed 32-byte HMAC key for deterministic nonces. */
export const SECRET = new Uint8Array(32).fill(7);
