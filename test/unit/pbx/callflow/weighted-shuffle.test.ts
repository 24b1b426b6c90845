/**
 * `weighted_random` ordering (Efraimidis–Spirakis): with a seeded generator, the frequency of each item
 * first — and of each whole order — matches drawing without replacement in proportion to the weights. A
 * naive `u · w` key (a common mistake) gives 5/6 instead of 3/4 for weights 1 and 3 and fails here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { weightedShuffle } from '../../../../src/pbx/callflow/index.ts';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 40_000;

describe('weightedShuffle', () => {
  test('is a permutation of the items', () => {
    const items = ['a', 'b', 'c', 'd'];
    const out = weightedShuffle(items, () => 1, seeded(1));
    assert.deepEqual([...out].sort(), items);
  });

  test('weights 1 and 3: the heavy one comes first 3/4 of the time', () => {
    const rnd = seeded(42);
    let heavyFirst = 0;
    for (let i = 0; i < N; i++)
      if (weightedShuffle(['light', 'heavy'], (x) => (x === 'heavy' ? 3 : 1), rnd)[0] === 'heavy')
        heavyFirst++;
    assert.ok(Math.abs(heavyFirst / N - 0.75) < 0.01, `heavy first ${heavyFirst / N}`);
  });

  test('weights 1, 2, 3: every order has the probability of drawing without replacement', () => {
    const w: Record<string, number> = { a: 1, b: 2, c: 3 };
    const rnd = seeded(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const k = weightedShuffle(['a', 'b', 'c'], (x) => w[x], rnd).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // P(x, y, z) = w_x / 6 · w_y / (6 − w_x)
    for (const order of ['abc', 'acb', 'bac', 'bca', 'cab', 'cba']) {
      const [x, y] = order;
      const p = (w[x] / 6) * (w[y] / (6 - w[x]));
      const seen = (counts.get(order) ?? 0) / N;
      assert.ok(Math.abs(seen - p) < 0.012, `${order}: ${seen} vs ${p}`);
    }
  });

  test('equal weights keep ties stable only for equal keys; zero or bad weights count as 1', () => {
    const out = weightedShuffle(
      ['a', 'b'],
      () => 0,
      () => 0.5,
    );
    assert.deepEqual(out, ['a', 'b'], 'equal keys: original order');
  });
});
