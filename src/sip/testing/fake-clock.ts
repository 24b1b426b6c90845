/**
 * A virtual {@link Clock} for tests: time moves only when the test says so, so every RFC 3261 timer can be
 * asserted exactly (Timer A at 500 ms, 1 s, 2 s…) without sleeping.
 */
import type { Clock, TimerHandle } from '../clock.ts';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** Handle of a {@link FakeClock} timer. */
class FakeTimer {
  constructor(readonly entry: Entry) {}
}

/**
 * Virtual clock. Timers fire in order of due time, and in creation order for equal due times; a timer
 * scheduled while {@link advance} runs fires in the same call when it falls due within the advanced span.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private live = 0;
  /** Binary min-heap on (at, seq); cleared entries stay until they reach the top. */
  private readonly heap: Entry[] = [];

  /** @param startMs the value `now()` returns before any advance (default 0). */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Schedules `fn` after `ms` (negative or NaN count as 0). */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const delay = ms > 0 ? ms : 0;
    const entry: Entry = { at: this.current + delay, seq: this.seq++, fn, live: true };
    this.push(entry);
    this.live++;
    return new FakeTimer(entry);
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!(handle instanceof FakeTimer) || !handle.entry.live) return;
    handle.entry.live = false;
    this.live--;
  }

  /** Number of timers scheduled and neither fired nor cleared. */
  pendingTimers(): number {
    return this.live;
  }

  /** Due time of the next live timer, if any. */
  nextTimerAt(): number | undefined {
    this.dropDead();
    return this.heap.length > 0 ? this.heap[0].at : undefined;
  }

  /**
   * Moves time forward by `ms` (≥ 0), firing every timer due up to the new time in order; `now()` equals
   * each timer's due time while it runs (the time then, for one overdue after {@link stall}). Returns the
   * number of timers fired. An exception thrown by a timer propagates to the caller, with the clock left at
   * that timer's due time.
   */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0 (got ${ms})`);
    const target = this.current + ms;
    let fired = 0;
    for (;;) {
      this.dropDead();
      const top = this.heap[0];
      if (top === undefined || top.at > target) break;
      this.pop();
      top.live = false;
      this.live--;
      // A timer overdue after stall() fires late, at the time then, as a real one does after a blocked loop.
      if (top.at > this.current) this.current = top.at;
      fired++;
      top.fn();
    }
    this.current = target;
    return fired;
  }

  /**
   * Moves time forward by `ms` (≥ 0) without firing anything, as when the event loop is blocked (a long
   * synchronous task, a GC pause, no core for the process): the timers that fell due meanwhile fire late, at
   * the next {@link advance} (`advance(0)` fires them now).
   */
  stall(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.stall: ms must be >= 0 (got ${ms})`);
    this.current += ms;
  }

  /**
   * Fires timers until none is left, jumping time to each. Throws when timers are still pending after
   * `maxMs` of virtual time (default one hour), which usually means a timer re-arms itself forever.
   * Returns the number of timers fired.
   */
  runUntilIdle(maxMs = 3_600_000): number {
    const limit = this.current + maxMs;
    let fired = 0;
    for (;;) {
      const next = this.nextTimerAt();
      if (next === undefined) return fired;
      if (next > limit) {
        throw new Error(`FakeClock.runUntilIdle: ${this.live} timer(s) still pending after ${maxMs} ms`);
      }
      fired += this.advance(Math.max(0, next - this.current));
    }
  }

  // ---- heap ----

  private dropDead(): void {
    while (this.heap.length > 0 && !this.heap[0].live) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
