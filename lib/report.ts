/**
 * lib/report.ts — what the master prints when it stops, and the distribution part the load tool shares.
 *
 * First the article's own lines, `worker <pid> got <n> connections`, so a reader can set them beside
 * its table; then one line per worker with its share and a bar, and the two evenness numbers from
 * lib/stats.ts.
 */
import { describeDistribution } from './stats';

export interface WorkerTally {
  /** The worker slot; a replacement takes the slot of the worker it replaces. */
  index: number;
  pid: number;
  /** It exited and another worker took its slot (a crash, a rolling restart): its count is its last report. */
  replaced: boolean;
  connections: number;
  requests: number;
  acceptErrors: number;
}

const BAR_WIDTH = 40;

/** One line per row (label, count, share, bar), then max/min and Jain's index. */
export function distributionLines(rows: ReadonlyArray<{ label: string; count: number }>): string[] {
  const counts = rows.map((row) => row.count);
  const { shares, maxMinRatio, jain } = describeDistribution(counts);
  const widest = Math.max(1, ...counts);
  const lines = rows.map((row, position) => {
    const bar = '#'.repeat(Math.round((row.count / widest) * BAR_WIDTH));
    return `  ${row.label} ${String(row.count).padStart(8)}  ${(shares[position]! * 100).toFixed(1).padStart(5)}%  ${bar}`;
  });
  lines.push(`max/min ${Number.isFinite(maxMinRatio) ? maxMinRatio.toFixed(2) : 'infinite'}  ` +
    `Jain's index ${jain.toFixed(3)}`);
  return lines;
}

/** Per slot: the connections of every worker that held it, and the pid that holds it now. */
export function slotTotals(tallies: readonly WorkerTally[]): Array<{ index: number; pid: number; connections: number }> {
  const slots: Array<{ index: number; pid: number; connections: number }> = [];
  for (const tally of tallies) {
    const slot = slots[tally.index] ??= { index: tally.index, pid: tally.pid, connections: 0 };
    slot.connections += tally.connections;
    if (!tally.replaced) slot.pid = tally.pid;
  }
  return slots.filter(Boolean);
}

export function formatReport(tallies: readonly WorkerTally[]): string {
  const total = tallies.reduce((sum, tally) => sum + tally.connections, 0);
  const requests = tallies.reduce((sum, tally) => sum + tally.requests, 0);
  const acceptErrors = tallies.reduce((sum, tally) => sum + tally.acceptErrors, 0);
  const replaced = tallies.filter((tally) => tally.replaced).length;
  const lines = tallies.map((tally) => `worker ${tally.pid} got ${tally.connections} connections` +
    (tally.replaced ? ' (replaced)' : ''));
  const slots = slotTotals(tallies);
  lines.push('', `total ${total} connections, ${requests} requests, ${slots.length} workers` +
    (replaced ? ` (${replaced} replaced along the way)` : '') + (acceptErrors ? `, ${acceptErrors} failed accepts` : ''));
  lines.push(...distributionLines(slots.map((slot) => ({
    label: `worker ${slot.index}  pid ${String(slot.pid).padEnd(7)}`, count: slot.connections,
  }))));
  return lines.join('\n');
}
