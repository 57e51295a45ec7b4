/**
 * --model rr: the master accepts and rotates. Exact split, no fd leak, and a dead worker is skipped.
 */
import { readdirSync } from 'node:fs';
import t from 'tap';
import { assertAccounted, distributionRun } from './helpers/distribution';
import { load } from '../lib/load';
import { startMaster } from './helpers/master';

const N = 10_000;

t.test('strict rotation: every worker gets floor(N/4) or ceil(N/4), exactly', async (t) => {
  const run = await distributionRun(t, 'rr', N, 100);
  assertAccounted(t, run, N);
  for (const count of run.counts) t.ok(count === Math.floor(N / 4) || count === Math.ceil(N / 4), `${count}`);
});

t.test('the master closes its copy of every handle it sends: no fd leak', async (t) => {
  const { master, port } = await startMaster(t, ['--model', 'rr']);
  const openFds = () => readdirSync(`/proc/${master.pid}/fd`).length;
  await load(port, 100, 10);
  const before = openFds();
  const result = await load(port, 20_000, 100);
  t.equal(result.failures, 0);
  const after = openFds();
  t.ok(Math.abs(after - before) <= 10, `master fds: ${before} before, ${after} after 20000 connections`);
});

t.test('a dead worker never receives a handle, and no connection is lost because of it', async (t) => {
  const { master, port, pids } = await startMaster(t, ['--model', 'rr']);
  process.kill(pids[2]!, 'SIGKILL');
  await master.waitForLine(/^handoff: worker 2 \(pid \d+\) exited with signal SIGKILL/);
  const result = await load(port, 2000, 20);
  t.equal(result.failures, 0, 'every connection served');
  t.equal([...result.byWorker.values()].reduce((a, b) => a + b, 0), 2000);
  const report = await master.stop();
  t.notOk(report.connections.has(pids[2]!), 'the dead worker is not in the report');
  t.equal([...report.connections.values()].reduce((a, b) => a + b, 0), 2000, 'the live workers accepted all 2000');
});

t.test('rr-idle, Node\'s policy: every connection accounted for; the split is near even, not exact', async (t) => {
  const run = await distributionRun(t, 'rr-idle', N, 100);
  assertAccounted(t, run, N);
});
