/**
 * tools/measure/: one benchmark cell against each kind of target, the herd meter, and the server starter,
 * in-process and small. npm run bench runs the same code over the whole matrix.
 */
import t from 'tap';
import { withoutChildCoverage } from '../helpers/coverage';
import { hasAb } from '../../tools/measure/ab';
import { cellName, runCell } from '../../tools/measure/bench';
import { perfProblem } from '../../tools/measure/herd';
import { startServer } from '../../tools/measure/server';
import { findNginx } from '../../lib/os/nginx-process';
import { MASTER } from '../../lib/os/paths';
import { isRunning } from '../../lib/os/procfs';

withoutChildCoverage();

const REQUESTS = 400;
const cell = { target: 'shared', transport: 'raw' as const, workers: 2, concurrency: 10, keepAlive: false };

t.test('a kit model: every number, and the server\'s CPU per request', async (t) => {
  const run = await runCell(cell, REQUESTS, process.execPath, hasAb());
  t.match(run.client, { complete: REQUESTS, failed: 0 });
  t.ok(run.client.requestsPerSecond > 0);
  t.equal(run.counts!.length, 2, 'a count per slot, from the master\'s report');
  t.ok(run.counts!.reduce((sum, count) => sum + count, 0) >= REQUESTS, 'every connection counted (ab may open a few more)');
  t.equal(run.processes.length, 3, 'the herd meter watched the master and both workers');
  t.ok(run.wakeupsPerConnection! > 0);
  t.ok(run.cpuMicrosPerRequest! > 0, `${run.cpuMicrosPerRequest!.toFixed(1)} µs of CPU per request`);
  t.equal(run.failedAcceptsPerConnection, null, 'failed accepts are counted only when asked');
  t.equal(cellName(cell), 'shared');
  t.equal(cellName({ target: 'rr', transport: 'socket' }), 'rr/socket');
  t.equal(cellName({ target: 'article', transport: null }), 'article');
});

t.test('failed accepts are counted under perf, and then there is no CPU figure', { skip: perfProblem() ?? false }, async (t) => {
  const run = await runCell({ ...cell, concurrency: 1 }, REQUESTS, process.execPath, hasAb(), true);
  t.ok(run.failedAcceptsPerConnection !== null && run.failedAcceptsPerConnection >= 0,
    `${run.failedAcceptsPerConnection} failed accept4() per connection`);
  t.ok(run.processes.every((counts) => counts.accepts !== null));
  t.equal(run.cpuMicrosPerRequest, null, 'perf slows every traced syscall: no CPU figure from this run');
});

t.test('the baselines: the article\'s code, cluster + http, nginx return 200', async (t) => {
  const targets = ['article', 'cluster-http', ...(findNginx() ? ['nginx-return-200'] : [])];
  // /proc counts CPU in clock ticks of 10 ms: nginx spends about 40 µs a request, so it needs a few
  // thousand requests before it has used a tick.
  const requests = 3000;
  for (const target of targets) {
    const run = await runCell({ ...cell, target, transport: null }, requests, process.execPath, hasAb());
    t.match(run.client, { complete: requests, failed: 0 }, target);
    t.equal(run.counts, null, `${target}: no per-slot counts (no report)`);
    t.ok(run.cpuMicrosPerRequest! > 0, `${target}: ${run.cpuMicrosPerRequest!.toFixed(1)} µs of CPU per request`);
  }
});

t.test('the load without ab: the built-in tool gives the same numbers', async (t) => {
  const run = await runCell(cell, REQUESTS, process.execPath, false);
  t.match(run.client, { complete: REQUESTS, failed: 0 });
  t.equal(run.counts!.reduce((sum, count) => sum + count, 0), REQUESTS, 'undici opens exactly one connection per request');
});

t.test('a server that exits before it listens: the error names it and says why', async (t) => {
  await t.rejects(startServer(process.execPath, MASTER, ['--json', '--port', '0', '--model', 'reuseport'].concat(
    process.versions.node.startsWith('20.') ? [] : ['--workers', '0'])), /exited before listening/);
});

t.test('stop() leaves nothing running', async (t) => {
  const server = await startServer(process.execPath, MASTER, ['--json', '--port', '0', '--workers', '2']);
  const processes = server.processes();
  t.equal(processes.length, 3, 'the master and its two workers');
  const report = await server.stop();
  t.match(report, { type: 'report', connections: 0 });
  t.same(processes.filter(isRunning), []);
});
