/**
 * Graceful shutdown and the crash route: in-flight requests finish, idle connections close, a bound on
 * the wait, and a worker that throws is replaced.
 */
import t from 'tap';
import { responseBytes } from '../lib/http';
import { load } from '../lib/load';
import { startMaster, spawnMaster, workersOf } from './helpers/master';
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
