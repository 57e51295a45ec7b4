/**
 * lib/report/stats.ts — how even is a distribution?
 *
 * Three numbers, each answering a different question:
 *   - share: what fraction of all connections each worker took;
 *   - max/min: how many times busier the busiest worker was than the idlest (the article's table has
 *     14561 / 2356 ≈ 6.2). Infinity when a worker got nothing;
 *   - Jain's fairness index, (Σx)² / (n·Σx²) (Jain, Chiu & Hawe, DEC-TR-301, 1984): 1 when every worker
 *     got the same, 1/n when one worker got everything. It reads as "the fraction of workers that were
 *     treated fairly", and unlike max/min it looks at every worker, not only the two extremes.
 */
export interface Distribution {
  total: number;
  shares: number[];
  maxMinRatio: number;
  jain: number;
}

export function describeDistribution(counts: readonly number[]): Distribution {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const sumOfSquares = counts.reduce((sum, count) => sum + count * count, 0);
  const max = Math.max(...counts);
  const min = Math.min(...counts);
  return {
    total,
    shares: counts.map((count) => (total === 0 ? 0 : count / total)),
    maxMinRatio: min === 0 ? (max === 0 ? 1 : Infinity) : max / min,
    // No connections at all is perfectly (if uselessly) fair.
    jain: sumOfSquares === 0 ? 1 : (total * total) / (counts.length * sumOfSquares),
  };
}

/** The values added up (0 for none). */
export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The middle value (the mean of the two middle ones for an even count): what a figure of several runs reports. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
