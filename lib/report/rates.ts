/**
 * lib/report/rates.ts — each slot's rate of new connections over the last second, from running totals.
 *
 * The live view and the dashboard both get cumulative counts twice a second (the workers report every
 * COUNT_INTERVAL_MS, lib/channel/messages.ts). A rate is the difference from the newest snapshot that is at least a
 * window old, divided by the time between them: a pure function of the snapshots, tested without a clock.
 */
const RATE_WINDOW_MS = 1000;

interface Snapshot {
  at: number;
  counts: number[];
}

export class RateMeter {
  private readonly history: Snapshot[] = [];

  /** Records `counts` (one running total per slot) at time `now` (ms) and returns each slot's rate per second. */
  rates(now: number, counts: readonly number[]): number[] {
    this.history.push({ at: now, counts: [...counts] });
    // Keep the newest snapshot that is at least a window old: the rate is measured against it.
    while (this.history.length > 2 && this.history[1]!.at <= now - RATE_WINDOW_MS) this.history.shift();
    const base = this.history[0]!;
    const seconds = Math.max(now - base.at, 1) / 1000;
    // A slot that appears later (its worker was still starting) has its rate counted from zero.
    return counts.map((count, at) => (count - (base.counts[at] ?? 0)) / seconds);
  }
}
