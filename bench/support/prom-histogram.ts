/** Reading a Prometheus histogram off a `/metrics` page: bucket differences, quantiles, shares. */

/** A Prometheus histogram: cumulative `counts[i]` of observations ≤ `bounds[i]` ms (the last is +Inf). */
export interface Histogram {
  bounds: number[];
  counts: number[];
}

/** The histogram `name` (in seconds) of the Prometheus exposition at `url` now, in ms. */
export async function scrapeHistogram(url: string, name: string): Promise<Histogram> {
  const text = await (await fetch(url)).text();
  const bounds: number[] = [];
  const counts: number[] = [];
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))) {
    bounds.push(m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000);
    counts.push(Number(m[2]));
  }
  return { bounds, counts };
}

/** `a` − `b`, bucket by bucket (the observations between two scrapes). */
export function minus(a: Histogram, b: Histogram): Histogram {
  return { bounds: a.bounds, counts: a.counts.map((c, i) => c - (b.counts[i] ?? 0)) };
}

/** The q-quantile (ms), linearly interpolated inside its bucket; NaN without observations. */
export function histQuantile(h: Histogram, q: number): number {
  const total = h.counts.at(-1) ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < h.counts.length; i++) {
    if (h.counts[i] < rank) continue;
    const lo = i === 0 ? 0 : h.bounds[i - 1];
    const hi = h.bounds[i];
    if (!Number.isFinite(hi)) return lo;
    const below = i === 0 ? 0 : h.counts[i - 1];
    const inBucket = h.counts[i] - below;
    return inBucket === 0 ? hi : lo + ((hi - lo) * (rank - below)) / inBucket;
  }
  return NaN;
}

/** Share of observations at or under `ms` (a bucket bound), 0–1. */
export function shareAtOrUnder(h: Histogram, ms: number): number {
  const total = h.counts.at(-1) ?? 0;
  const i = h.bounds.findIndex((b) => Math.abs(b - ms) < 1e-9);
  return total === 0 || i < 0 ? NaN : h.counts[i] / total;
}
