/**
 * One distribution run: a master with a model, N new connections at concurrency C from undici, then
 * SIGINT and the master's report. And the accounting every model must pass.
 */
import type { Test } from 'tap';
import type { LoadRun } from '../../tools/measure/load';
import type { ReportEvent } from '../../lib/events';
import { BODY } from '../../lib/http/responses';
import { load } from './load';
import { startMaster, workersOf, type MasterOptions } from './master';

export interface DistributionRun {
  client: LoadRun;
  report: ReportEvent;
  masterPid: number;
  pids: number[];
  /** Connections the master reports for each slot. */
  counts: number[];
}

export async function distributionRun(t: Test, model: string, connections: number, concurrency: number,
  options: MasterOptions & { workers?: number; args?: string[] } = {}): Promise<DistributionRun> {
  const { workers = 4, args = [] } = options;
  const { master, port, pids } = await startMaster(t, ['--model', model, '--workers', String(workers), ...args], options);
  const client = await load(port, connections, concurrency);
  const stopped = await master.stop();
  t.equal(stopped.code, 0, 'the master stopped cleanly');
  t.same(workersOf(master.pid), [], 'no worker left');
  const report = stopped.report!;
  return { client, report, masterPid: master.pid, pids, counts: report.slots.map((slot) => slot.connections) };
}

/** Every connection answered with the exact body, and the workers' counts are the client's tally. */
export function assertAccounted(t: Test, run: DistributionRun, connections: number): void {
  t.equal(run.client.failed, 0, 'no request failed');
  t.same([...run.client.statuses], [[200, connections]], 'every response is a 200');
  t.equal(run.client.bodyBytes, connections * BODY.length, `every body is exactly "${BODY}"`);
  t.same(run.counts, run.pids.map((_, slot) => run.client.bySlot.get(slot) ?? 0),
    'each slot accepted exactly the connections the client saw it serve');
  t.equal(run.report.connections, connections, 'the counts add up to N');
  t.comment(`split ${run.counts.join(' / ')}; max/min ${run.report.maxMin?.toFixed(2)}  Jain ${run.report.jain.toFixed(3)}`);
}
