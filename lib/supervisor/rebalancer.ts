/**
 * lib/supervisor/rebalancer.ts — `--rebalance`: evens out the connections the workers hold.
 *
 * A connection that lives long (kept alive for minutes, requests every few seconds) stays with the worker
 * that accepted it. On a shared socket that is the kernel's choice, and a burst of new connections can
 * leave one worker holding most of them for as long as they live; the herd decides once and never
 * again. Here the workers report how many connections they hold (`counted`, every COUNT_INTERVAL_MS
 * while it changes), and every REBALANCE_INTERVAL_MS the master looks: when the fullest slot holds more
 * than its share by more than the bound (`--rebalance-above`, a percentage of the mean), it asks the
 * fullest to give idle connections to the emptiest (`give`), enough to even them out, within a budget of
 * moves per second (`--moves-per-second`). It waits for the answers, and the moves, before it looks again.
 */
import type { Mover } from './mover';
import type { WorkerProcess } from './worker-process';

/** A little more than the workers' report interval: each look sees counts that have changed. */
export const REBALANCE_INTERVAL_MS = 150;

export interface RebalanceSettings {
  /** Rebalance when the fullest slot holds more than the mean by this percentage of it (and by one at least). */
  aboveMeanPercent: number;
  /** The most connections moved per second, in bursts of at most as many. */
  movesPerSecond: number;
}

export interface Holding { slot: number; open: number }
export interface Give { from: number; to: number; count: number }

/**
 * The gives that even the slots out, `budget` connections at most: nothing while the fullest is within
 * the bound; else each slot over its fair share (⌈mean⌉) gives to the slots under theirs (⌊mean⌋),
 * the largest surplus to the largest deficit first.
 */
export function planGives(holdings: readonly Holding[], aboveMeanPercent: number, budget: number): Give[] {
  if (holdings.length < 2 || budget < 1) return [];
  const mean = holdings.reduce((sum, holding) => sum + holding.open, 0) / holdings.length;
  const fullest = Math.max(...holdings.map((holding) => holding.open));
  if (fullest - mean <= Math.max(1, (mean * aboveMeanPercent) / 100)) return [];
  const donors = holdings.filter((holding) => holding.open > Math.ceil(mean))
    .map((holding) => ({ slot: holding.slot, left: holding.open - Math.ceil(mean) })).sort((a, b) => b.left - a.left);
  const takers = holdings.filter((holding) => holding.open < Math.floor(mean))
    .map((holding) => ({ slot: holding.slot, left: Math.floor(mean) - holding.open })).sort((a, b) => b.left - a.left);
  const gives: Give[] = [];
  let left = budget;
  for (const donor of donors) {
    for (const taker of takers) {
      const count = Math.min(donor.left, taker.left, left);
      if (count < 1) continue;
      gives.push({ from: donor.slot, to: taker.slot, count });
      donor.left -= count;
      taker.left -= count;
      left -= count;
    }
  }
  return gives;
}

export class Rebalancer {
  private tokens: number;
  private lastRefill: number;
  private timer: NodeJS.Timeout | null = null;
  /**
   * Gives not answered yet, per worker: the slot each (by its seq) meant its connections for. A worker
   * answers a give with its `given`s, then a `counted` that names the give; until every give is
   * answered, the counts are not final, and nothing new is planned.
   */
  private readonly unanswered = new Map<WorkerProcess, Map<number, number>>();

  /** `holders`: the current worker of each slot that takes connections. */
  constructor(private readonly holders: () => WorkerProcess[], private readonly mover: Pick<Mover, 'moving'>,
    private readonly settings: RebalanceSettings, private readonly now: () => number = Date.now) {
    this.tokens = settings.movesPerSecond;
    this.lastRefill = now();
  }

  start(): void {
    this.timer = setInterval(() => this.look(), REBALANCE_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A worker exited: no answer will come from it. */
  removed(worker: WorkerProcess): void {
    this.unanswered.delete(worker);
  }

  /** The slot a give order (its seq) meant its connections for, or null if it was not ours. */
  target(worker: WorkerProcess, seq: number): number | null {
    return this.unanswered.get(worker)?.get(seq) ?? null;
  }

  /** One look: what start() does every REBALANCE_INTERVAL_MS. */
  look(): void {
    const now = this.now();
    this.tokens = Math.min(this.settings.movesPerSecond, this.tokens + ((now - this.lastRefill) / 1000) * this.settings.movesPerSecond);
    this.lastRefill = now;
    if ([...this.unanswered.values()].some((gives) => gives.size > 0) || this.mover.moving > 0) return;
    const holders = this.holders();
    const plan = planGives(holders.map((worker) => ({ slot: worker.slot, open: worker.open })), this.settings.aboveMeanPercent,
      Math.floor(this.tokens));
    for (const give of plan) {
      const giver = holders.find((worker) => worker.slot === give.from)!;
      const gives = this.unanswered.get(giver) ?? new Map<number, number>();
      this.unanswered.set(giver, gives);
      const seq = giver.send({ type: 'give', count: give.count, to: give.to }, null, () => gives.delete(seq));
      gives.set(seq, give.to);
      this.tokens -= give.count;
    }
  }
}
