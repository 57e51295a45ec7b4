/**
 * Graceful shutdown and the crash route: in-flight requests finish, idle connections close, a bound on
 * the wait, and a worker that throws is replaced. And --live, refused without a terminal, drawn in one.
 */
import path from 'node:path';
import t from 'tap';
import { responseBytes } from '../lib/http';
import { load } from '../lib/load';
import { ROOT, RunningMaster, killQuietly, spawnAsUser, startMaster, spawnMaster, workersOf } from './helpers/master';
import { Conversation, oneShot } from './helpers/wire';

const HALF_HEAD = 'GET / HTTP/1.1\r\nHost: handoff\r\n';

for (const model of ['shared', 'rr']) {
  t.test(`--model ${model}: SIGTERM lets a request in progress finish, closes idle connections, then reports`, async (t) => {
    const { master, port } = await startMaster(t, ['--model', model, '--workers', '2']);
    // One connection half-way through its head, one kept alive and idle after a first request.
    const midRequest = await Conversation.open(port);
    midRequest.send(HALF_HEAD);
    const idle = await Conversation.open(port);
    idle.send('GET / HTTP/1.1\r\nHost: handoff\r\n\r\n');
    const first = (await idle.read(responseBytes(0).get.keepAlive11.length)).toString('latin1');
    t.match(first, /^HTTP\/1\.1 200 OK\r\n/);
    const stopped = master.stop('SIGTERM');
    // The idle one is closed first (FIN between requests, no RST, nothing more sent).
    const idleEnd = await idle.readToClose();
    t.same(idleEnd, { data: Buffer.alloc(0), reset: false }, 'the idle keep-alive connection is closed cleanly');
    // The master waits for the half-sent request: finish it and get its answer, marked as the last.
    // A worker with nothing to finish may be gone already; the one holding the request waits, and so does the master.
    t.ok(workersOf(master.pid).length >= 1 && master.child.exitCode === null, 'the request in progress holds the stop');
    midRequest.send('\r\n');
    const { data, reset } = await midRequest.readToClose();
    t.equal(reset, false);
    t.match(data.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n\r\nhello nodejs$/);
    const report = await stopped;
    t.equal(report.code, 0);
    t.match(report.stdout.join('\n'), /^total 2 connections, 2 requests, 2 workers$/m);
    t.same(workersOf(master.pid), []);
  });
}

t.test('a request that never finishes holds the stop for --drain-timeout, then its worker is killed', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '1', '--drain-timeout', '300']);
  const stuck = await Conversation.open(port);
  stuck.send(HALF_HEAD);
  const began = Date.now();
  const report = await master.stop('SIGTERM');
  const took = Date.now() - began;
  t.ok(took >= 300 && took < 2000, `stopped ${took} ms after SIGTERM`);
  t.equal(report.code, 0);
  t.match(report.stderr.join('\n'), /worker 0 \(pid \d+\) did not drain in 300 ms; killing it/);
  t.same(workersOf(master.pid), []);
  stuck.close();
});

t.test('GET /crash only with --allow-crash: the worker dies and is replaced, the others go on', async (t) => {
  const plain = await startMaster(t, ['--workers', '1']);
  t.match((await oneShot(plain.port, 'GET /crash HTTP/1.0\r\n\r\n')).data.toString('latin1'), /^HTTP\/1\.1 200 OK/);

  const { master, port, pids } = await startMaster(t, ['--workers', '1', '--allow-crash']);
  const crashed = await oneShot(port, 'GET /crash HTTP/1.0\r\n\r\n');
  t.equal(crashed.data.length, 0, 'the connection dies with the worker, unanswered');
  await master.waitForLine(new RegExp(`^handoff: worker 0 \\(pid ${pids[0]}\\) exited with code 1; forking a replacement`));
  const [, newPid] = await master.waitForLine(/^handoff: worker 0 \(pid (\d+)\) is ready$/);
  t.not(Number(newPid), pids[0]);
  const after = await load(port, 200, 10);
  t.equal(after.failures, 0, 'the replacement serves');
  t.match(master.stderr.join('\n'), /CrashRequestedError: GET \/crash/, 'the uncaught exception is on stderr');
  const report = await master.stop();
  t.match(report.stdout.join('\n'), /^total 201 connections, 200 requests, 1 workers \(1 replaced along the way\)$/m);
});

t.test('--live without a terminal: one line, exit code 2, nothing forked', async (t) => {
  const master = spawnMaster(t, ['--live', '--port', '0']);
  t.equal(await master.exited, 2);
  t.same(master.stderr, ['handoff: --live redraws a terminal, and stdout is not one; run without --live (Ctrl-C still prints the counts)']);
  t.same(master.stdout, []);
});

t.test('--live in a terminal: frames redrawn in place, and Ctrl-C still prints the report', async (t) => {
  // script(1) (bsdutils, always on Debian) runs the master on a pseudo-terminal: stdout.isTTY, as in a shell.
  const command = `'${process.execPath}' '${path.join(ROOT, 'master.js')}' --live --port 0 --workers 2`;
  const run = new RunningMaster(spawnAsUser('script', ['-qfec', command, '/dev/null']));
  t.teardown(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitForLine(/^handoff: 2 workers listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  const [, masterPid] = await run.waitForLine(/kill -HUP (\d+) restarts them/);
  // The pty's hang-up would be a SIGHUP (a rolling restart) to an orphaned master: kill it ourselves.
  t.teardown(() => {
    killQuietly(Number(masterPid));
    workersOf(Number(masterPid)).forEach(killQuietly);
  });
  await run.waitForLine(/^\x1b\[H\x1b\[Jhandoff --live: shared, http:\/\/127\.0\.0\.1:\d+\/ {2}\(Ctrl-C/);
  t.pass('a frame starts by homing the cursor and clearing the screen');
  const result = await load(Number(port), 200, 10);
  t.equal(result.failures, 0);
  await run.waitForLine(/^total 200 {2}\d+\/s {2}max\/min \d+\.\d\d {2}Jain's index \d\.\d{3}\r?$/);
  t.pass('a later frame shows all 200 connections');
  process.kill(Number(masterPid), 'SIGINT');
  t.equal(await run.exited, 0, 'script(1) exits with the master\'s code');
  const counts = run.stdout.flatMap((line) => /^worker \d+ got (\d+) connections\r?$/.exec(line)?.[1] ?? []).map(Number);
  t.equal(counts.length, 2, 'the article\'s line for each worker, after the last frame');
  t.equal(counts.reduce((sum, count) => sum + count, 0), 200);
  t.same(workersOf(Number(masterPid)), [], 'no worker left');
});
