/** The benchmarks' rate ladder: a rate counts only when every one of its runs passed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { combineRuns, edgeNotes, search, type RunResult } from '../../../bench/support/ladder.ts';

const result = (rate: number, ok: boolean, cpuMsPerCall = 1): RunResult => ({
  rate,
  ok,
  success: ok ? rate : 0,
  failed: ok ? 0 : 1,
  retrans: 0,
  achieved: rate,
  cpuMsPerCall,
  why: ok ? '' : 'failed',
});

/** Runs the ladder over scripted outcomes: `plan[rate]` lists each run's pass/fail. */
async function ladder(rates: number[], runs: number, plan: Record<number, boolean[]>) {
  const calls: number[] = [];
  const seen: Record<number, number> = {};
  const l = await search('test', { rates, runs }, async (rate) => {
    calls.push(rate);
    const i = (seen[rate] = (seen[rate] ?? 0) + 1) - 1;
    return result(rate, plan[rate][i], 1 + i / 10);
  });
  return { ...l, calls };
}

describe('rate ladder', () => {
  test('the highest rate whose runs all passed; the run with the least CPU stands for it', async () => {
    const l = await ladder([100, 200, 300], 3, {
      100: [true, true, true],
      200: [true, true, true],
      300: [true, false, true],
    });
    assert.equal(l.best?.rate, 200);
    assert.equal(l.best?.cpuMsPerCall, 1, 'its first run was the cheapest');
    assert.deepEqual(l.calls, [100, 100, 100, 200, 200, 200, 300, 300], 'stops at the first failed run');
  });

  test('a rate with one failed run of three does not count, even the first one', async () => {
    const l = await ladder([650, 700], 3, { 650: [true, false, true], 700: [true, true, true] });
    assert.equal(l.best, undefined);
    assert.deepEqual(l.calls, [650, 650]);
    assert.equal(l.rows.length, 2);
  });

  test('says when an edge was only bracketed, or not reached, so a ratio from it is a bound', async () => {
    const found = await ladder([500, 600], 1, { 500: [true], 600: [false] });
    const gap = await ladder([600, 3000], 1, { 600: [true], 3000: [false] });
    const all = await ladder([1000, 2000], 1, { 1000: [true], 2000: [true] });
    const none = await ladder([400], 1, { 400: [false] });
    assert.deepEqual(edgeNotes([['ringd', found]]), [], 'a failing rate within 25 % of the passing one');
    assert.deepEqual(
      edgeNotes([
        ['Kamailio', gap],
        ['x', all],
        ['y', none],
      ]),
      [
        '  Kamailio: passed 600/s, failed 3000/s: the edge lies in between, so the ratio is a bound; add rates in between',
        '  x: every rate tried passed, so 2000/s is a lower bound: try higher rates',
        '  y: no rate passed (the lowest tried: 400/s)',
      ],
    );
  });

  test('parts measured side by side add up, and the whole passes only when every part did', () => {
    const a: RunResult = { ...result(500, true, 1.0), achieved: 490, mainMsPerCall: 0.7 };
    const b: RunResult = {
      ...result(500, true, 2.0),
      success: 1500,
      achieved: 495,
      retrans: 2,
      mainMsPerCall: 1.1,
    };
    const whole = combineRuns(1000, [a, b]);
    assert.equal(whole.rate, 1000);
    assert.equal(whole.ok, true);
    assert.equal(whole.success, 2000);
    assert.equal(whole.achieved, 985);
    assert.equal(whole.retrans, 2);
    assert.equal(
      whole.cpuMsPerCall,
      (500 * 1.0 + 1500 * 2.0) / 2000,
      'the CPU of both over the calls of both',
    );
    assert.equal(whole.mainMsPerCall, (500 * 0.7 + 1500 * 1.1) / 2000);
    assert.equal(whole.why, '');

    const failed = combineRuns(1000, [a, { ...result(500, false), why: '3 failed' }]);
    assert.equal(failed.ok, false);
    assert.equal(failed.why, 'part 2: 3 failed');
    assert.equal(failed.mainMsPerCall, undefined, 'only when every part measured its event loop');
    assert.equal(combineRuns(1000, []).ok, false, 'no part is no pass');
  });
});
