/**
 * Time source injected into every state machine of the SIP core (transactions, dialogs, nonces,
 * transports' idle timers). Production code uses {@link systemClock}; tests use the virtual
 * `FakeClock` of `src/sip/testing/`, so every RFC 3261 timer is tested without sleeping.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; monotonic. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer; harmless on a timer that already fired or was cleared. */
  clearTimer(handle: TimerHandle | undefined): void;
}

/** Opaque handle of a timer created by a {@link Clock}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** The real clock: `performance.now()` and unref'ed Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimer(handle) {
    if (handle !== undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
