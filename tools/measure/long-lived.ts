/**
 * tools/measure/long-lived.ts — the benchmark's long-lived scenario: connections that stay, and the split
 * of what each worker holds.
 *
 * 400 kept-alive connections open in one burst against 4 workers, each then sends a request every
 * 100 ms for 10 s (hold.ts). Every model, with and without --rebalance (nginx without: its clients talk
 * to nginx). Per run: req/s, failed requests, reconnects (connections the server closed and the client had
 * to open again), the split of open connections at the end and its Jain's index, when the split became
 * even for good (Jain ≥ 0.99), p99, the server's CPU per request (utime + stime of its whole process tree,
 * over the hold) and the moves the master made. Rounds are interleaved and figures are medians, as in the
 * rest of the benchmark; the split, its Jain's index and the timeline come from one run, the middle one by
 * Jain's index (every run sends the same requests per second, so req/s cannot pick one).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { modelNames } from '../../lib/models/names';
import { nodeForReusePort } from '../../lib/models/reuseport';
import { MASTER } from '../../lib/os/paths';
import { cpuMicrosOf } from '../../lib/os/procfs';
import { median, sum } from '../../lib/report/stats';
import { barChart, lineChart } from './charts';
import { runHold, SAMPLE_MS, type Sample } from './hold';
import { startServer } from './server';

export const LONG_LIVED = { connections: 400, rate: 10, durationMs: 10_000, workers: 4 };

export interface LongLivedCell { model: string; rebalance: boolean }

export interface LongLivedRun extends LongLivedCell {
  requestsPerSecond: number;
  failed: number;
  reconnects: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  moves: number;
  /** Open connections per slot at the end, and their Jain's index. */
  bySlot: number[];
  jain: number;
  evenFromMs: number | null;
  timeline: Sample[];
}

const name = (cell: LongLivedCell) => `${cell.model}${cell.rebalance ? ' --rebalance' : ''}`;

/** Every model, without and then with --rebalance (nginx refuses it); reuseport only where a Node can run it. */
export function longLivedCells(models: readonly string[] = modelNames): LongLivedCell[] {
  const runnable = models.filter((model) => model !== 'reuseport' || nodeForReusePort());
  return [false, true].flatMap((rebalance) => runnable.filter((model) => !rebalance || model !== 'nginx').map((model) => ({ model, rebalance })));
}

export async function runLongLived(cell: LongLivedCell): Promise<LongLivedRun> {
  const node = cell.model === 'reuseport' ? nodeForReusePort()! : process.execPath;
  const server = await startServer(node, MASTER, ['--json', '--model', cell.model, '--port', '0', '--workers', `${LONG_LIVED.workers}`,
    '--idle-timeout', '60000', ...(cell.rebalance ? ['--rebalance'] : [])]);
  const processes = server.processes();
  const cpuBefore = cpuMicrosOf(processes);
  const held = await runHold({ url: new URL(`http://127.0.0.1:${server.port}/`), slots: LONG_LIVED.workers, ...LONG_LIVED });
  const cpu = cpuMicrosOf(processes) - cpuBefore;
  const report = await server.stop();
  const end = held.timeline.at(-1)!;
  return {
    ...cell, requestsPerSecond: held.requests / (LONG_LIVED.durationMs / 1000), failed: held.failed, reconnects: held.reconnects,
    p99Ms: held.latencyMs.p99, cpuMicrosPerRequest: cpu / Math.max(1, held.requests), moves: report?.moves ?? 0,
    bySlot: end.bySlot, jain: end.jain, evenFromMs: held.evenFromMs, timeline: held.timeline,
  };
}

/** results.md (medians per cell) and two charts: Jain's index over time, and the split at the end. */
export function writeLongLived(out: string, runsByCell: LongLivedRun[][]): string {
  const middle = (runs: LongLivedRun[]) => [...runs].sort((a, b) => a.jain - b.jain)[Math.floor(runs.length / 2)]!;
  const lines = ['| model | req/s | failed | reconnects | open at the end (middle run) | its Jain | even from ms | p99 ms | CPU µs/req | moves |',
    '|---|---|---|---|---|---|---|---|---|---|'];
  for (const runs of runsByCell) {
    const pick = (get: (run: LongLivedRun) => number) => median(runs.map(get));
    const evenFrom = runs.map((run) => run.evenFromMs);
    lines.push(`| ${name(runs[0]!)} | ${Math.round(pick((run) => run.requestsPerSecond))} | ${sum(runs.map((run) => run.failed))} | ` +
      `${sum(runs.map((run) => run.reconnects))} | ${middle(runs).bySlot.join(' / ')} | ${middle(runs).jain.toFixed(3)} | ` +
      `${evenFrom.includes(null) ? `never in ${evenFrom.filter((at) => at === null).length} of ${runs.length}` : median(evenFrom as number[])} | ` +
      `${pick((run) => run.p99Ms).toFixed(1)} | ${pick((run) => run.cpuMicrosPerRequest).toFixed(1)} | ${pick((run) => run.moves)} |`);
  }
  const table = lines.join('\n');
  writeFileSync(path.join(out, 'results.md'), `${LONG_LIVED.connections} connections in one burst, ${LONG_LIVED.rate} requests a second each ` +
    `for ${LONG_LIVED.durationMs / 1000} s, ${LONG_LIVED.workers} workers; medians of ${runsByCell[0]?.length ?? 0} interleaved runs.\n\n${table}\n`);
  // The first two seconds, sample by sample: the burst lands and, with --rebalance, evens out; after that
  // every line is flat (the table's "even from").
  const seconds = Array.from({ length: 2000 / SAMPLE_MS + 1 }, (_, at) => (at * SAMPLE_MS) / 1000);
  const jainAt = (timeline: Sample[], second: number) => timeline.findLast((point) => point.atMs <= second * 1000)?.jain ?? null;
  writeFileSync(path.join(out, 'jain-over-time.svg'), lineChart(`Jain's index of open connections per worker, the first 2 s (${LONG_LIVED.connections} ` +
    'connections in one burst; middle run; dashed: --rebalance)', 's', 'Jain', seconds,
  runsByCell.map((runs) => ({ label: name(runs[0]!), group: runs[0]!.model, dashed: runs[0]!.rebalance, values: seconds.map((second) => jainAt(middle(runs).timeline, second)) }))));
  writeFileSync(path.join(out, 'split.svg'), barChart(`Open connections per worker at the end (${LONG_LIVED.connections} kept-alive; middle run)`,
    runsByCell.map((runs) => ({ label: name(runs[0]!), values: middle(runs).bySlot })), (counts) => counts.join(' / ')));
  return table;
}
