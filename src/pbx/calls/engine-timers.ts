/**
 * The engine's timers on the injected clock, counted so tests can assert none is left once calls end.
 */
import type { Clock, TimerHandle } from '../../sip/clock.ts';

/** A counted set of one-shot timers. */
export class EngineTimers {
  private readonly live = new Set<TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** Pending timers. */
  get size(): number {
    return this.live.size;
  }

  /** Runs `fn` once after `ms`. */
  set(ms: number, fn: () => void): TimerHandle {
    const handle = this.clock.setTimer(ms, () => {
      this.live.delete(handle);
      fn();
    });
    this.live.add(handle);
    return handle;
  }

  /** Cancels a timer (harmless on one that fired or was cleared); returns undefined for `x = clear(x)`. */
  clear(handle: TimerHandle | undefined): undefined {
    if (handle !== undefined && this.live.delete(handle)) this.clock.clearTimer(handle);
    return undefined;
  }

  /** Cancels every pending timer. */
  clearAll(): void {
    for (const h of this.live) this.clock.clearTimer(h);
    this.live.clear();
  }
}
