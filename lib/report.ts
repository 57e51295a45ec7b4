/**
 * lib/report.ts — what the master prints when it stops, and the distribution part the load tool shares.
 *
 * First the article's own lines, `worker <pid> got <n> connections`, so a reader can set them beside
 * its table; then one line per worker with its share and a bar, and the two evenness numbers from
 * lib/stats.ts.
 */
import { describeDistribution } from './stats';

export interface WorkerTally {
  index: number;
  pid: number;
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

export function formatReport(tallies: readonly WorkerTally[]): string {
  const total = tallies.reduce((sum, tally) => sum + tally.connections, 0);
  const requests = tallies.reduce((sum, tally) => sum + tally.requests, 0);
  const acceptErrors = tallies.reduce((sum, tally) => sum + tally.acceptErrors, 0);
  const lines = tallies.map((tally) => `worker ${tally.pid} got ${tally.connections} connections`);
  lines.push('', `total ${total} connections, ${requests} requests, ${tallies.length} workers` +
    (acceptErrors ? `, ${acceptErrors} failed accepts` : ''));
  lines.push(...distributionLines(tallies.map((tally) => ({
    label: `worker ${tally.index}  pid ${String(tally.pid).padEnd(7)}`, count: tally.connections,
  }))));
  return lines.join('\n');
}
