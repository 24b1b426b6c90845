/**
 * A weighted random order (ring_group `weighted_random`): Efraimidis–Spirakis (2006) "A-ES" — each item
 * draws a key `u^(1/w)` with `u` uniform in (0, 1], and the items are sorted by key, largest first. The
 * probability of any order is exactly that of drawing items one after another without replacement with
 * probability proportional to their weights (so an item of weight 3 comes first three times as often as
 * one of weight 1). Keys are compared as `ln(u) / w`, the same order without underflow.
 */

/** `items` in a weighted random order; `weight` must be > 0 (others count as 1); `random` is [0, 1). */
export function weightedShuffle<T>(
  items: readonly T[],
  weight: (item: T) => number,
  random: () => number,
): T[] {
  return items
    .map((item, index) => {
      const w = weight(item);
      const u = 1 - random(); // (0, 1]
      return { item, index, key: Math.log(u) / (Number.isFinite(w) && w > 0 ? w : 1) };
    })
    .sort((a, b) => b.key - a.key || a.index - b.index)
    .map((x) => x.item);
}
