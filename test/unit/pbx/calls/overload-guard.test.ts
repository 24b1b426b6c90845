/** Overload control's window logic, in virtual time. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OverloadGuard } from '../../../../src/pbx/calls/overload-guard.ts';
import { FakeClock } from '../../../../src/sip/testing/index.ts';

function guard(samples: number[], threshold = 0.98) {
  const clock = new FakeClock();
  const changes: Array<[boolean, number]> = [];
  let i = 0;
  const g = new OverloadGuard({
    clock,
    busySinceLastSample: () => samples[Math.min(i++, samples.length - 1)],
    threshold,
    onChange: (s, b) => changes.push([s, b]),
  });
  g.start();
  return { clock, g, changes };
}

describe('OverloadGuard', () => {
  test('admits until a whole window was busy; refuses (counted) for the next window; admits again after', () => {
    // The first sample only starts the first window.
    const { clock, g, changes } = guard([0, 0.5, 0.99, 0.995, 0.4]);
    assert.equal(g.refuse(), false, 'admits at start');
    clock.advance(1000); // window 1: 50 % busy
    assert.equal(g.refuse(), false);
    assert.equal(g.lastBusy, 0.5);
    clock.advance(1000); // window 2: 99 % busy
    assert.equal(g.shedding, true);
    assert.equal(g.refuse(), true);
    assert.equal(g.refuse(), true);
    clock.advance(1000); // window 3: still saturated
    assert.equal(g.refuse(), true);
    clock.advance(1000); // window 4: 40 %
    assert.equal(g.refuse(), false);
    assert.equal(g.refused, 3, 'only refusals are counted');
    assert.deepEqual(changes, [
      [true, 0.99],
      [false, 0.4],
    ]);
    assert.equal(g.retryAfter, '2');
    g.close();
  });

  test('nothing is sampled or refused before start()', () => {
    const clock = new FakeClock();
    let samples = 0;
    const g = new OverloadGuard({ clock, threshold: 0.5, busySinceLastSample: () => (samples++, 1) });
    clock.advance(5000);
    assert.equal(g.refuse(), false);
    assert.equal(samples, 0);
    assert.equal(clock.nextTimerAt(), undefined);
    g.start();
    clock.advance(1000);
    assert.equal(g.refuse(), true, 'a saturated first window after start');
    g.close();
    assert.equal(g.refuse(), false, 'closed: never refuses');
  });

  test('a threshold above 1 never refuses; close() stops the sampling timer', () => {
    const { clock, g } = guard([0, 1, 1, 1], 1.01);
    clock.advance(5000);
    assert.equal(g.refuse(), false);
    g.close();
    assert.equal(clock.nextTimerAt(), undefined, 'no timer left');
  });
});
