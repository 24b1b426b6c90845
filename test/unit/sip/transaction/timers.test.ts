import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIMER_BASE, nextInterval, timerSet } from '../../../../src/sip/transaction/timers.ts';
import type { TimerBase, TimerSet } from '../../../../src/sip/transaction/timers.ts';

type Row = {
  timer: keyof TimerSet;
  section: string;
  udp: (b: TimerBase) => number;
  tcp: (b: TimerBase) => number;
};

/**
 * RFC 3261 Table 4 ("Summary of timers", Appendix A) plus RFC 6026 §8.4/§8.7 (L, M), as data.
 * For A, E and G the table gives the INITIAL interval, "UDP only" → 0 (unused) on a reliable transport.
 * Timer C (proxy INVITE transaction timeout, > 3 min) is not a transaction-layer timer and is left out.
 */
const TABLE_4: Row[] = [
  { timer: 'T1', section: '17.1.1.1', udp: (b) => b.T1, tcp: (b) => b.T1 },
  { timer: 'T2', section: '17.1.2.2', udp: (b) => b.T2, tcp: (b) => b.T2 },
  { timer: 'T4', section: '17.1.2.2', udp: (b) => b.T4, tcp: (b) => b.T4 },
  { timer: 'A', section: '17.1.1.2', udp: (b) => b.T1, tcp: () => 0 },
  { timer: 'B', section: '17.1.1.2', udp: (b) => 64 * b.T1, tcp: (b) => 64 * b.T1 },
  { timer: 'D', section: '17.1.1.2', udp: () => 32_000, tcp: () => 0 },
  { timer: 'E', section: '17.1.2.2', udp: (b) => b.T1, tcp: () => 0 },
  { timer: 'F', section: '17.1.2.2', udp: (b) => 64 * b.T1, tcp: (b) => 64 * b.T1 },
  { timer: 'G', section: '17.2.1', udp: (b) => b.T1, tcp: () => 0 },
  { timer: 'H', section: '17.2.1', udp: (b) => 64 * b.T1, tcp: (b) => 64 * b.T1 },
  { timer: 'I', section: '17.2.1', udp: (b) => b.T4, tcp: () => 0 },
  { timer: 'J', section: '17.2.2', udp: (b) => 64 * b.T1, tcp: () => 0 },
  { timer: 'K', section: '17.1.2.2', udp: (b) => b.T4, tcp: () => 0 },
  { timer: 'L', section: 'RFC 6026 8.7', udp: (b) => 64 * b.T1, tcp: (b) => 64 * b.T1 },
  { timer: 'M', section: 'RFC 6026 8.4', udp: (b) => 64 * b.T1, tcp: (b) => 64 * b.T1 },
];

describe('timerSet vs RFC 3261 Table 4 (+ RFC 6026 L, M)', () => {
  const bases: Array<[string, Partial<TimerBase> | undefined, TimerBase]> = [
    ['defaults', undefined, { T1: 500, T2: 4000, T4: 5000 }],
    ['custom base', { T1: 100, T2: 1000, T4: 2000 }, { T1: 100, T2: 1000, T4: 2000 }],
    ['partial base', { T1: 250 }, { T1: 250, T2: 4000, T4: 5000 }],
  ];
  for (const [label, given, base] of bases) {
    for (const reliable of [false, true]) {
      test(`${label}, ${reliable ? 'reliable (TCP)' : 'unreliable (UDP)'}`, () => {
        const set = timerSet(reliable, given);
        assert.equal(set.reliable, reliable);
        for (const row of TABLE_4) {
          const expected = reliable ? row.tcp(base) : row.udp(base);
          assert.equal(set[row.timer], expected, `Timer ${String(row.timer)} (§${row.section})`);
        }
        assert.equal(set.trying, 200, '§17.2.1 100 Trying delay');
        assert.equal(set.cancelGiveUp, 64 * base.T1, '§9.1 give-up 64·T1 after CANCEL');
      });
    }
  }

  test('default values in milliseconds', () => {
    assert.deepEqual(DEFAULT_TIMER_BASE, { T1: 500, T2: 4000, T4: 5000 });
    const udp = timerSet(false);
    assert.equal(udp.B, 32_000);
    assert.equal(udp.F, 32_000);
    assert.equal(udp.H, 32_000);
    assert.equal(udp.D, 32_000);
  });

  test('sets are frozen', () => {
    const set = timerSet(false);
    assert.ok(Object.isFrozen(set));
    assert.throws(() => {
      (set as { A: number }).A = 1;
    }, TypeError);
  });

  test('invalid bases are rejected', () => {
    assert.throws(() => timerSet(false, { T1: 0 }), RangeError);
    assert.throws(() => timerSet(false, { T1: 5000, T2: 4000 }), RangeError);
    assert.throws(() => timerSet(false, { T4: -1 }), RangeError);
  });

  test('doubling: A unbounded, E/G capped at T2', () => {
    const seq = (start: number, cap: number, n: number): number[] => {
      const out = [start];
      while (out.length < n) out.push(nextInterval(out[out.length - 1], cap));
      return out;
    };
    assert.deepEqual(seq(500, Infinity, 7), [500, 1000, 2000, 4000, 8000, 16000, 32000]);
    assert.deepEqual(seq(500, 4000, 7), [500, 1000, 2000, 4000, 4000, 4000, 4000]);
  });
});
