/**
 * npm run load: ab's flags on undici, with --json for scripts.
 */
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { ROOT, RunningMaster, spawnAsUser, startMaster } from './helpers/master';

async function loadTool(args: string[]): Promise<RunningMaster & { code: number | null }> {
  const run = new RunningMaster(spawnAsUser(process.execPath, [path.join(ROOT, 'scripts', 'load.js'), ...args]));
  const code = await run.exited;
  return Object.assign(run, { code });
}

t.test('--json: one object with requestsPerSecond and the tally by worker', async (t) => {
  const { master, port, pids } = await startMaster(t, ['--workers', '2']);
  const run = await loadTool(['-n', '1000', '-c', '20', '--json', `http://127.0.0.1:${port}/`]);
  t.equal(run.code, 0);
  t.equal(run.stdout.length, 1, 'a single line');
  const result = JSON.parse(run.stdout[0]!);
  t.ok(typeof result.requestsPerSecond === 'number' && result.requestsPerSecond > 0, `${result.requestsPerSecond} req/s`);
  t.same(result.failures, { refused: 0, reset: 0, timeout: 0, badStatus: 0, other: 0 });
  t.same(result.statuses, { 200: 1000 });
  t.ok(result.latencyMs.p50 <= result.latencyMs.p99 && result.latencyMs.p99 <= result.latencyMs.max, 'percentiles in order');
  const report = await master.stop();
  pids.forEach((pid, index) => t.equal(result.workers[index] ?? 0, report.connections.get(pid), `worker ${index}: the tool's tally is the worker's count`));
});

t.test('-k: a few connections carry every request', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '2']);
  const run = await loadTool(['-k', '-n', '1000', '-c', '4', '--json', `http://127.0.0.1:${port}/`]);
  const result = JSON.parse(run.stdout[0]!);
  t.same(result.statuses, { 200: 1000 });
  const report = await master.stop();
  const connections = [...report.connections.values()].reduce((a, b) => a + b, 0);
  t.ok(connections >= 1 && connections <= 4, `${connections} connections for 1000 requests`);
  t.match(report.stdout.join('\n'), /^total \d+ connections, 1000 requests, 2 workers$/m);
});

t.test('failures are counted by cause: a refused port', async (t) => {
  const closed = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const run = await loadTool(['-n', '50', '-c', '5', `http://127.0.0.1:${port}/`]);
  t.equal(run.code, 0);
  t.match(run.stdout.join('\n'), /^Failed requests: +50 \(refused 50\)$/m);
});

t.test('bad flags: one line and the usage, exit code 2', async (t) => {
  const run = await loadTool(['-n', '10', '-c', '20', 'http://127.0.0.1:1/']);
  t.equal(run.code, 2);
  t.equal(run.stderr[0], "load: -c must be a whole number from 1 to -n, not '20'");
});
