/**
 * Rolling restart (SIGHUP) under load: each worker is replaced by a new process, one at a time, and not
 * one request fails. With a connection per request; and with kept-alive clients (wrk, ab -k), whose
 * connections move to the new workers and live through it (--restart-closes: closed, and opened again).
 */
import { spawn, spawnSync } from 'node:child_process';
import t, { type Test } from 'tap';
import type { ReportEvent } from '../../lib/events';
import { transportNames } from '../../lib/http/transports';
import { runLoad } from '../../tools/measure/load';
import { withoutChildCoverage } from '../helpers/coverage';
import { modelNode, startMaster, workersOf, type RunningMaster } from '../helpers/master';
import { EVENT_MS, STARTUP_MS, untilAsync, within } from '../helpers/wait';

withoutChildCoverage();

const CONCURRENCY = 50;
/** The load goes on this long after the restart is done, so the new workers are seen serving too. */
const AFTER_RESTART = 500;

/** Every worker the restart replaced served requests, and so did every replacement: it happened under load. */
function assertRestartedUnderLoad(t: Test, master: RunningMaster, oldPids: number[], report: ReportEvent): void {
  const done = master.events.find((event) => event.type === 'restart-done');
  t.ok(done, 'the restart finished');
  const newPids = done && done.type === 'restart-done' ? done.pids : [];
  t.equal(newPids.filter((pid) => oldPids.includes(pid)).length, 0, 'every worker is a new process');
  const served = new Map(report.workers.map((worker) => [worker.pid, worker.requests]));
  // Some, not every: with kept-alive connections on a shared socket the kernel may give one worker none.
  t.ok(oldPids.some((pid) => served.get(pid)! > 0), 'the old workers were serving when the restart began');
  t.ok(newPids.reduce((sum, pid) => sum + served.get(pid)!, 0) >= AFTER_RESTART, 'the replacements took over');
}

/**
 * One model per way a slot keeps serving through its restart: the master holds the shared socket
 * (shared), a socket per slot (reuseport, nginx's upstream ports), accepts and hands over the control
 * channel (rr) or the handle pipe (rr-pipelined), and Node's cluster (cluster-rr, its drain handshake).
 * rr and rr-free go through the same code as rr-pipelined, cluster-none as shared. The order the supervisor promises
 * is a unit test (test/unit/supervisor.ts).
 */
for (const model of ['shared', 'rr-pipelined', 'reuseport', 'nginx', 'cluster-rr']) {
  const node = modelNode(model);
  t.test(`--model ${model}: SIGHUP under load replaces every worker, 0 failed requests`, { skip: node ? false : 'needs Node >= 22.12' }, async (t) => {
    const { master, port, pids } = await startMaster(t, ['--model', model, '--workers', '2'], { node: node! });
    let done = 0;
    let doneAtRestart = -1;
    void master.waitForEvent('restart-done', () => true, 'the rolling restart', STARTUP_MS * 4).then(() => { doneAtRestart = done; }, () => {});
    const run = await runLoad({
      url: new URL(`http://127.0.0.1:${port}/`), requests: Number.MAX_SAFE_INTEGER, concurrency: CONCURRENCY, keepAlive: false,
      stopWhen: () => doneAtRestart >= 0 && done >= doneAtRestart + AFTER_RESTART,
      onProgress: (count) => {
        done = count;
        if (count === 200) master.child.kill('SIGHUP');
      },
    });
    t.same(run.failures, { refused: 0, reset: 0, timeout: 0, badStatus: 0, other: 0 }, `no request failed of ${run.requests}`);
    t.same([...run.statuses], [[200, run.requests]]);
    const stopped = await master.stop();
    t.equal(stopped.code, 0);
    assertRestartedUnderLoad(t, master, pids, stopped.report!);
    t.equal(stopped.report!.requests, run.requests, 'every request was counted by one of the 8 workers, the drained ones included');
    t.same(workersOf(master.pid), []);
  });
}

/** The master's report as it stands, from its dashboard's /state. */
async function state(dashboard: string): Promise<ReportEvent> {
  return (await (await fetch(new URL('/state', dashboard))).json()) as ReportEvent;
}

/**
 * Runs `command`, waits for its `connections`, restarts, and keeps it running until the restart is done
 * and the new workers have served AFTER_RESTART requests; then SIGINT, as Ctrl-C: ab and wrk print their
 * summary.
 */
async function keepAliveClientThroughRestart(t: Test, master: RunningMaster, dashboard: string, command: string[], connections: number): Promise<string> {
  const client = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => client.kill('SIGKILL'));
  let output = '';
  client.stdout.on('data', (chunk) => { output += chunk; });
  client.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => client.once('exit', resolve));
  // Every connection open before the restart: each then has one old worker to move from.
  await untilAsync(async () => (await state(dashboard)).connections >= connections, EVENT_MS, `the client's ${connections} connections`);
  master.child.kill('SIGHUP');
  const { pids } = await master.waitForEvent('restart-done', () => true, 'the rolling restart to finish', STARTUP_MS * 4);
  // The new workers, together: on a shared socket one of them may have been given no connection.
  await untilAsync(async () => (await state(dashboard)).workers.filter((worker) => pids.includes(worker.pid))
    .reduce((sum, worker) => sum + worker.requests, 0) >= AFTER_RESTART, EVENT_MS, `the new workers to serve ${AFTER_RESTART} requests`);
  client.kill('SIGINT');
  await within(exited, EVENT_MS, `${command[0]} to print its summary and exit`);
  return output;
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/**
 * What a rolling restart that moves kept-alive connections promises: the clients' connections all
 * survive it, each moved once, to its slot's new worker; the workers accepted exactly the connections
 * the clients opened (no client had to open one again); and every old worker went before its drain
 * timeout. wrk opens one more connection than -c, to check the address before it starts, and closes it
 * without a request (`probes`).
 */
function assertMovedEverything(t: Test, master: RunningMaster, report: ReportEvent, clients: number, probes: number): void {
  t.equal(report.connections, clients + probes, `the workers accepted ${clients + probes} connections: no client had to open one again`);
  t.equal(report.moves, clients, `each of the ${clients} connections moved once`);
  t.equal(report.workers.filter((worker) => worker.replaced).reduce((sum, worker) => sum + worker.given, 0), clients,
    'all of them given by the old workers');
  t.same(master.events.filter((event) => event.type === 'drain-timeout'), [], 'which went before their drain timeout');
}

// Both transports move (test/process/moves.ts); here one model per way a connection reaches a worker.
for (const [model, transport] of [['shared', 'raw'], ['rr-pipelined', 'raw'], ['cluster-rr', 'raw']] as const) {
  t.test(`--model ${model} --transport ${transport}: wrk's ${CONCURRENCY} kept-alive connections live through a rolling restart`,
    { skip: has('wrk') ? false : 'wrk is not installed' }, async (t) => {
      const { master, port, pids, listening } = await startMaster(t, ['--workers', '2', '--model', model, '--transport', transport, '--dashboard', '0']);
      const output = await keepAliveClientThroughRestart(t, master, listening.dashboard!, ['wrk', '-t2', `-c${CONCURRENCY}`, '-d600s', `http://127.0.0.1:${port}/`],
        CONCURRENCY + 1);
      t.match(output, /\d+ requests in /);
      t.notMatch(output, /Socket errors|Non-2xx/, 'wrk: no socket error, no bad status');
      const report = (await master.stop()).report!;
      assertRestartedUnderLoad(t, master, pids, report);
      assertMovedEverything(t, master, report, CONCURRENCY, 1);
    });
}

t.test(`ab -k's ${CONCURRENCY} HTTP/1.0 kept-alive connections live through a rolling restart`, { skip: has('ab') ? false : 'ab is not installed' }, async (t) => {
  const { master, port, pids, listening } = await startMaster(t, ['--workers', '2', '--dashboard', '0']);
  const output = await keepAliveClientThroughRestart(t, master, listening.dashboard!, ['ab', '-k', '-r', '-c', String(CONCURRENCY), '-n', '100000000', `http://127.0.0.1:${port}/`],
    CONCURRENCY);
  t.match(output, /^Failed requests:\s+0$/m, 'ab: no failed request');
  const report = (await master.stop()).report!;
  assertRestartedUnderLoad(t, master, pids, report);
  assertMovedEverything(t, master, report, CONCURRENCY, 0);
});

t.test('--restart-closes: the old drain, for comparison: kept-alive connections are closed, the clients open new ones, nothing fails',
  { skip: has('wrk') ? false : 'wrk is not installed' }, async (t) => {
    const { master, port, pids, listening } = await startMaster(t, ['--workers', '2', '--restart-closes', '--dashboard', '0']);
    const output = await keepAliveClientThroughRestart(t, master, listening.dashboard!, ['wrk', '-t2', `-c${CONCURRENCY}`, '-d600s', `http://127.0.0.1:${port}/`],
        CONCURRENCY + 1);
    t.notMatch(output, /Socket errors|Non-2xx/, 'wrk: no socket error, no bad status');
    const report = (await master.stop()).report!;
    assertRestartedUnderLoad(t, master, pids, report);
    t.equal(report.moves, 0, 'nothing moved');
    t.ok(report.connections > CONCURRENCY, `${report.connections} connections for ${CONCURRENCY} clients: the closed ones were opened again`);
  });
