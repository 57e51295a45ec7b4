/**
 * lib/report.ts — what the master prints when it stops.
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

export function formatReport(tallies: readonly WorkerTally[]): string {
  const counts = tallies.map((tally) => tally.connections);
  const { total, shares, maxMinRatio, jain } = describeDistribution(counts);
  const widest = Math.max(1, ...counts);
  const requests = tallies.reduce((sum, tally) => sum + tally.requests, 0);
  const acceptErrors = tallies.reduce((sum, tally) => sum + tally.acceptErrors, 0);
  const lines = tallies.map((tally) => `worker ${tally.pid} got ${tally.connections} connections`);
  lines.push('', `total ${total} connections, ${requests} requests, ${tallies.length} workers` +
    (acceptErrors ? `, ${acceptErrors} failed accepts` : ''));
  tallies.forEach((tally, position) => {
    const bar = '#'.repeat(Math.round((tally.connections / widest) * BAR_WIDTH));
    lines.push(`  worker ${tally.index}  pid ${String(tally.pid).padEnd(7)} ` +
      `${String(tally.connections).padStart(8)}  ${(shares[position]! * 100).toFixed(1).padStart(5)}%  ${bar}`);
  });
  lines.push(`max/min ${Number.isFinite(maxMinRatio) ? maxMinRatio.toFixed(2) : 'infinite'}  ` +
    `Jain's index ${jain.toFixed(3)}`);
  return lines.join('\n');
}
