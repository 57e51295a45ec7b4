/**
 * npm run load: ab's flags on the kit's own client, with --json for scripts, and a mix of expensive
 * requests whose latency is kept apart from the cheap ones', per slot.
 */
import net from 'node:net';
import t, { type Test } from 'tap';
import { withoutChildCoverage } from '../helpers/coverage';
import { compiled } from '../../lib/os/paths';
import { RunningMaster, spawnAsUser, startMaster } from '../helpers/master';
import { EVENT_MS, within } from '../helpers/wait';

withoutChildCoverage();

async function loadTool(t: Test, args: string[]): Promise<RunningMaster & { code: number | null }> {
  const run = new RunningMaster(spawnAsUser(t, process.execPath, [compiled('scripts/load'), ...args]));
  t.teardown(() => run.child.kill('SIGKILL'));
  const code = await within(run.exited, EVENT_MS, 'npm run load to finish');
  return Object.assign(run, { code });
}

t.test('--json: one object with requestsPerSecond and the tally by slot', async (t) => {
  const { master, port, pids } = await startMaster(t, ['--workers', '2']);
  const run = await loadTool(t, ['-n', '1000', '-c', '20', '--json', `http://127.0.0.1:${port}/`]);
  t.equal(run.code, 0);
  t.equal(run.stdout.length, 1, 'a single line');
  const result = JSON.parse(run.stdout[0]!);
  t.ok(typeof result.requestsPerSecond === 'number' && result.requestsPerSecond > 0, `${result.requestsPerSecond} req/s`);
  t.same(result.failures, { refused: 0, reset: 0, timeout: 0, badStatus: 0, other: 0 });
  t.equal(result.failed, 0);
  t.same(result.statuses, { 200: 1000 });
  t.ok(result.latencyMs.p50 <= result.latencyMs.p99 && result.latencyMs.p99 <= result.latencyMs.max, 'percentiles in order');
  const report = await master.stop();
  pids.forEach((pid, slot) => t.equal(result.slots[slot] ?? 0, report.connections.get(pid), `slot ${slot}: the tool's tally is the worker's count`));
});

t.test('-k: a few connections carry every request', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '2']);
  const run = await loadTool(t, ['-k', '-n', '1000', '-c', '4', '--json', `http://127.0.0.1:${port}/`]);
  const result = JSON.parse(run.stdout[0]!);
  t.same(result.statuses, { 200: 1000 });
  const report = (await master.stop()).report!;
  t.ok(report.connections >= 1 && report.connections <= 4, `${report.connections} connections for 1000 requests`);
  t.equal(report.requests, 1000);
});

t.test('failures are counted by cause: a refused port', async (t) => {
  const closed = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const run = await loadTool(t, ['-n', '50', '-c', '5', `http://127.0.0.1:${port}/`]);
  t.equal(run.code, 0);
  t.match(run.stdout.join('\n'), /^Failed requests: +50 \(refused 50\)$/m);
});

t.test('--expensive /work?us=N --share F: the cheap and the expensive requests\' latency apart, per slot', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '2']);
  const url = `http://127.0.0.1:${port}/`;
  const json = await loadTool(t, ['-n', '400', '-c', '4', '--expensive', '/work?us=5000', '--share', '0.1', '--json', url]);
  const result = JSON.parse(json.stdout[0]!);
  t.same(result.statuses, { 200: 400 });
  t.equal(result.cheap.all.count + result.expensive.all.count, 400);
  t.ok(result.expensive.all.count > 20 && result.expensive.all.count < 70, `${result.expensive.all.count} expensive of 400 at 10%`);
  t.ok(result.expensive.all.p50 >= 5, `an expensive request takes its 5 ms at least: p50 ${result.expensive.all.p50} ms`);
  t.same(Object.keys(result.cheap.bySlot).sort(), ['0', '1'], 'cheap latency per slot');
  const text = await loadTool(t, ['-n', '200', '-c', '4', '--expensive', '/work?us=1000', '--share', '0.1', url]);
  const table = text.stdout.slice(text.stdout.findIndex((line) => line.startsWith('Latency (ms)  ')));
  t.match(table[0], /^Latency \(ms\) +count +p50 +p99 +p99\.9 +max$/);
  t.match(table.join('\n'), /^ {2}cheap +\d+ [\d. ]+\n {4}slot 0 .*\n {4}slot 1 .*\n {2}expensive +\d+ /m);
  await master.stop();
});

t.test('bad flags: one line and the usage, exit code 2', async (t) => {
  const run = await loadTool(t, ['-n', '10', '-c', '20', 'http://127.0.0.1:1/']);
  t.equal(run.code, 2);
  t.equal(run.stderr[0], "load: -c must be a whole number from 1 to -n, not '20'");
  for (const [args, line] of [[['--expensive', '/work', '--share', '0'], "load: --share must be a fraction above 0, at most 1, not '0'"],
    [['--expensive', 'work?us=5'], "load: --expensive must be a path, like /work?us=20000, not 'work?us=5'"]] as const) {
    const bad = await loadTool(t, [...args, 'http://127.0.0.1:1/']);
    t.equal(bad.code, 2);
    t.equal(bad.stderr[0], line);
  }
});
