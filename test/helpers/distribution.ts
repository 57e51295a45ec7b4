/**
 * One distribution run: a master with a model, N new connections at concurrency C from undici, then
 * SIGINT and the master's report. And the accounting every model must pass.
 */
import type { Test } from 'tap';
import { load, type LoadResult } from '../../lib/load';
import { startMaster, workersOf, type Report } from './master';

export interface DistributionRun {
  client: LoadResult;
  report: Report;
  masterPid: number;
  pids: number[];
  /** Connections the master reports for each worker, by index. */
  counts: number[];
}

export async function distributionRun(t: Test, model: string, connections: number, concurrency: number,
  node = process.execPath, workers = 4): Promise<DistributionRun> {
  const { master, port, pids } = await startMaster(t, ['--model', model, '--workers', String(workers)], node);
  const client = await load(port, connections, concurrency);
  const report = await master.stop();
  t.equal(report.code, 0, 'the master stopped cleanly');
  t.same(workersOf(master.pid), [], 'no worker left');
  return { client, report, masterPid: master.pid, pids, counts: pids.map((pid) => report.connections.get(pid) ?? -1) };
}

/** Every connection answered with the exact body, and the workers' counts are the client's tally. */
export function assertAccounted(t: Test, run: DistributionRun, connections: number): void {
  t.equal(run.client.failures, 0, 'no connection failed');
  t.same([...run.client.statuses], [[200, connections]], 'every response is a 200');
  t.equal(run.client.bodyBytes, connections * 'hello nodejs'.length, 'every body is exactly "hello nodejs"');
  t.same(run.counts, run.pids.map((_, index) => run.client.byWorker.get(index) ?? 0),
    'each worker accepted exactly the connections the client saw it serve');
  t.equal(run.counts.reduce((sum, count) => sum + count, 0), connections, 'the counts add up to N');
  t.comment(`split ${run.counts.join(' / ')}; ${run.report.stdout.find((line) => line.startsWith('max/min'))}`);
}
