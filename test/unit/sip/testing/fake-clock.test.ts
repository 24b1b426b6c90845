// FakeClock: ordering, timers scheduled during advance, clearing, runUntilIdle.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/sip/testing/index.ts';

describe('FakeClock', () => {
  test('starts at the given time and only moves on advance', () => {
    const c = new FakeClock(1000);
    assert.equal(c.now(), 1000);
    c.advance(250);
    assert.equal(c.now(), 1250);
    assert.throws(() => c.advance(-1), RangeError);
  });

  test('fires due timers in time order, creation order for equal times, with now() at the due time', () => {
    const c = new FakeClock();
    const log: string[] = [];
    c.setTimer(300, () => log.push(`c@${c.now()}`));
    c.setTimer(100, () => log.push(`a@${c.now()}`));
    c.setTimer(100, () => log.push(`b@${c.now()}`));
    c.setTimer(0, () => log.push(`z@${c.now()}`));
    c.setTimer(301, () => log.push('late'));
    assert.equal(c.pendingTimers(), 5);
    assert.equal(c.advance(300), 4);
    assert.deepEqual(log, ['z@0', 'a@100', 'b@100', 'c@300']);
    assert.equal(c.now(), 300);
    assert.equal(c.pendingTimers(), 1);
    assert.equal(c.nextTimerAt(), 301);
  });

  test('timers scheduled during advance fire in the same advance when due', () => {
    const c = new FakeClock();
    const log: number[] = [];
    const tick = (): void => {
      log.push(c.now());
      if (c.now() < 400) c.setTimer(100, tick);
    };
    c.setTimer(100, tick);
    c.setTimer(0, () => c.setTimer(0, () => log.push(-1)));
    c.advance(350);
    assert.deepEqual(log, [-1, 100, 200, 300]);
    c.advance(1000);
    assert.deepEqual(log, [-1, 100, 200, 300, 400]);
    assert.equal(c.pendingTimers(), 0);
  });

  test('advance(0) fires zero-delay timers; negative delays count as 0', () => {
    const c = new FakeClock();
    let n = 0;
    c.setTimer(-5, () => n++);
    c.setTimer(Number.NaN, () => n++);
    assert.equal(n, 0);
    c.advance(0);
    assert.equal(n, 2);
  });

  test('clearTimer cancels, is idempotent and harmless on fired/foreign handles', () => {
    const c = new FakeClock();
    let fired = false;
    const t = c.setTimer(10, () => (fired = true));
    const other = c.setTimer(20, () => {});
    c.clearTimer(t);
    c.clearTimer(t);
    c.clearTimer(undefined);
    c.clearTimer({});
    assert.equal(c.pendingTimers(), 1);
    c.advance(100);
    assert.equal(fired, false);
    c.clearTimer(other);
    assert.equal(c.pendingTimers(), 0);
  });

  test('a timer can clear a later one during advance', () => {
    const c = new FakeClock();
    let fired = false;
    const later = c.setTimer(20, () => (fired = true));
    c.setTimer(10, () => c.clearTimer(later));
    c.advance(30);
    assert.equal(fired, false);
  });

  test('runUntilIdle jumps to each timer, and throws on timers that re-arm forever', () => {
    const c = new FakeClock();
    const at: number[] = [];
    c.setTimer(500, () => {
      at.push(c.now());
      c.setTimer(1000, () => at.push(c.now()));
    });
    assert.equal(c.runUntilIdle(), 2);
    assert.deepEqual(at, [500, 1500]);
    const forever = (): void => void c.setTimer(1000, forever);
    forever();
    assert.throws(() => c.runUntilIdle(10_000), /still pending/);
  });

  test('an exception in a timer propagates and leaves the clock usable', () => {
    const c = new FakeClock();
    let after = false;
    c.setTimer(10, () => {
      throw new Error('boom');
    });
    c.setTimer(20, () => (after = true));
    assert.throws(() => c.advance(30), /boom/);
    assert.equal(c.now(), 10);
    c.advance(20);
    assert.equal(after, true);
  });

  test('many timers stay ordered (heap)', () => {
    const c = new FakeClock();
    const got: number[] = [];
    const due = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const d of due) c.setTimer(d, () => got.push(c.now()));
    c.advance(1000);
    assert.deepEqual(
      got,
      [...due].sort((a, b) => a - b),
    );
  });

  test('stall(): time moves, nothing fires; the overdue timers fire late, in order, at the time then', () => {
    const c = new FakeClock();
    const got: Array<[string, number]> = [];
    c.setTimer(100, () => got.push(['a', c.now()]));
    c.setTimer(200, () => got.push(['b', c.now()]));
    c.setTimer(900, () => got.push(['c', c.now()]));
    c.stall(350);
    assert.equal(got.length, 0, 'a blocked loop runs no timer');
    assert.equal(c.now(), 350);
    assert.equal(c.advance(0), 2);
    assert.deepEqual(got, [
      ['a', 350],
      ['b', 350],
    ]);
    c.setTimer(10, () => got.push(['d', c.now()]));
    assert.equal(c.runUntilIdle(), 2, 'runUntilIdle goes on from the time then');
    assert.deepEqual(got.slice(2), [
      ['d', 360],
      ['c', 900],
    ]);
    assert.throws(() => c.stall(-1), RangeError);
  });
});
