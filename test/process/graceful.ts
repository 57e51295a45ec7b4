/**
 * Graceful shutdown and the crash route: in-flight requests finish, a kept-alive connection gets a last
 * answer or waits out its idle timeout, a bound on the wait, and a worker that throws is replaced. And
 * --live, refused without a terminal, drawn in one.
 */
import net from 'node:net';
import t from 'tap';
import { BODY } from '../../lib/http/responses';
import { MASTER } from '../../lib/os/paths';
import { load } from '../helpers/load';
import { killQuietly, RunningMaster, spawnAsUser, spawnMaster, startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, STARTUP_MS, untilAsync, within } from '../helpers/wait';
import { Conversation, oneShot } from '../helpers/wire';

const HALF_HEAD = 'GET / HTTP/1.1\r\nHost: handoff\r\n';
const IDLE_TIMEOUT_MS = 1500;
/** A kept-alive HTTP/1.1 answer from slot N (one digit): its length does not depend on N. */
const keptAliveAnswer = (slot: string, idleTimeoutMs = IDLE_TIMEOUT_MS) => 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n' +
  `content-length: 12\r\nx-slot: ${slot}\r\nkeep-alive: timeout=${Math.floor(idleTimeoutMs / 1000)}\r\n\r\n${BODY}`;
const KEPT_ALIVE = /^HTTP\/1\.1 200 OK\r\n[^]*\r\nkeep-alive: timeout=1\r\n\r\nhello nodejs$/;

// The responder's drain rules are unit tests (test/unit/responder.ts); here, that the drain reaches a
// worker through each channel a connection comes by, and that the stop waits for what is in progress.
for (const [model, transport] of [['shared', 'raw'], ['shared', 'socket'], ['rr-pipelined', 'raw']] as const) {
  t.test(`--model ${model} --transport ${transport}: SIGTERM finishes the request in progress and the kept-alive ` +
    'connection\'s next request, then reports', async (t) => {
    const { master, port } = await startMaster(t, ['--model', model, '--transport', transport, '--workers', '2',
      '--idle-timeout', String(IDLE_TIMEOUT_MS)]);
    // One connection half-way through its head, one kept alive after a first request.
    const midRequest = await Conversation.open(port);
    midRequest.send(HALF_HEAD);
    const keptAlive = await Conversation.open(port);
    keptAlive.send('GET / HTTP/1.1\r\nHost: handoff\r\n\r\n');
    t.match((await keptAlive.read(keptAliveAnswer('0').length)).toString('latin1'), KEPT_ALIVE);
    const stopped = master.stop('SIGTERM');
    await master.waitForEvent('stopping', () => true, 'the master to start stopping');
    // The kept-alive client sends its next request as if nothing happened. It is answered in full: with
    // `connection: close` if the drain has reached its worker, else kept alive and closed once idle.
    keptAlive.send('GET / HTTP/1.1\r\nHost: handoff\r\n\r\n');
    const last = await keptAlive.readToClose();
    t.equal(last.reset, false);
    t.match(last.data.toString('latin1'), new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\n\\r\\n${BODY}$`), 'one whole answer');
    t.equal(master.child.exitCode, null, 'the request in progress holds the stop');
    midRequest.send('\r\n');
    const { data, reset } = await midRequest.readToClose();
    t.equal(reset, false);
    t.match(data.toString('latin1'), new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\n\\r\\n${BODY}$`));
    const report = (await stopped).report!;
    t.equal((await stopped).code, 0);
    t.match(report, { connections: 2, requests: 3 });
    t.same(workersOf(master.pid), []);
  });
}

for (const transport of ['raw', 'socket']) {
  t.test(`--transport ${transport}: once the drain has reached the worker, the next request on a kept-alive ` +
    'connection is answered with connection: close, and the connection closes after it', async (t) => {
    const { master, port } = await startMaster(t, ['--workers', '1', '--transport', transport, '--idle-timeout', '60000']);
    const keptAlive = await Conversation.open(port);
    keptAlive.send('GET / HTTP/1.1\r\nHost: handoff\r\n\r\n');
    t.equal((await keptAlive.read(keptAliveAnswer('0', 60_000).length)).toString('latin1'), keptAliveAnswer('0', 60_000));
    const stopped = master.stop('SIGTERM');
    // The master drops its copy of the shared socket, the draining worker closes its own: from then on a
    // connect is refused. That is the sign the worker has the drain.
    await untilAsync(() => refused(port), EVENT_MS, 'the listening socket to close');
    keptAlive.send('GET / HTTP/1.1\r\nHost: handoff\r\n\r\n');
    const last = await keptAlive.readToClose();
    t.same({ reset: last.reset, answer: last.data.toString('latin1') },
      { reset: false, answer: 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nx-slot: 0\r\nconnection: close\r\n\r\n' + BODY });
    t.equal((await stopped).code, 0);
  });
}

/** Whether a connect to the port is refused (nothing listens there any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

t.test('a kept-alive connection that stays silent is closed once idle for the announced timeout, not before', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '1', '--idle-timeout', String(IDLE_TIMEOUT_MS)]);
  const idle = await Conversation.open(port);
  // Taken before the request leaves: the server's last activity on the connection can only be later.
  const lastActivity = Date.now();
  idle.send('GET / HTTP/1.1\r\nHost: handoff\r\n\r\n');
  t.equal((await idle.read(keptAliveAnswer('0').length)).toString('latin1'), keptAliveAnswer('0'), 'the answer announces the idle timeout');
  const stopped = master.stop('SIGTERM');
  const end = await idle.readToClose();
  const idleFor = Date.now() - lastActivity;
  t.same({ bytes: end.data.length, reset: end.reset }, { bytes: 0, reset: false }, 'closed with FIN, nothing sent');
  t.ok(idleFor >= IDLE_TIMEOUT_MS, `closed ${idleFor} ms after the request: the drain waits for the idle timeout (${IDLE_TIMEOUT_MS} ms)`);
  t.equal((await stopped).code, 0);
});

t.test('a request that never finishes holds the stop for --drain-timeout, then its worker is killed', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '1', '--drain-timeout', '300']);
  const stuck = await Conversation.open(port);
  t.teardown(() => stuck.close());
  stuck.send(HALF_HEAD);
  const began = Date.now();
  const stopped = await master.stop('SIGTERM');
  const took = Date.now() - began;
  t.ok(took >= 300, `stopped ${took} ms after SIGTERM, not before the drain timeout`);
  t.equal(stopped.code, 0);
  t.match(master.events.find((event) => event.type === 'drain-timeout'), { slot: 0, drainTimeoutMs: 300 });
  t.same(workersOf(master.pid), []);
});

t.test('GET /crash only with --allow-crash: the worker dies and is replaced, the others go on', async (t) => {
  const plain = await startMaster(t, ['--workers', '1']);
  t.match((await oneShot(plain.port, 'GET /crash HTTP/1.0\r\n\r\n')).data.toString('latin1'), /^HTTP\/1\.1 200 OK/);

  const { master, port, pids } = await startMaster(t, ['--workers', '1', '--allow-crash']);
  const crashed = await oneShot(port, 'GET /crash HTTP/1.0\r\n\r\n');
  t.equal(crashed.data.length, 0, 'the connection dies with the worker, unanswered');
  t.match(await master.waitForEvent('worker-exited', (event) => event.pid === pids[0]), { slot: 0, code: 1 });
  const { pid: newPid } = await master.waitForEvent('worker-ready', (event) => event.slot === 0, 'the replacement to be ready');
  t.not(newPid, pids[0]);
  t.equal((await load(port, 200, 10)).failed, 0, 'the replacement serves');
  t.match(master.stderr.join('\n'), /CrashRequestedError: GET \/crash/, 'the uncaught exception is on stderr');
  const report = (await master.stop()).report!;
  t.match(report, { connections: 201, requests: 200 });
  t.same(report.workers.map((worker) => worker.replaced), [true, false]);
  t.equal(report.workers[0]!.requests, 0, 'the crash request is counted by nobody: it was never answered');
});

t.test('--live without a terminal: one line, exit code 2, nothing forked', async (t) => {
  const master = spawnMaster(t, ['--live', '--port', '0']);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 2);
  t.same(master.stderr, ['handoff: --live redraws a terminal, and stdout is not one; run without --live (Ctrl-C still prints the counts)']);
  t.same(master.stdout, []);
});

t.test('--live in a terminal: frames redrawn in place, and Ctrl-C still prints the report', async (t) => {
  // script(1) (bsdutils, always on Debian) runs the master on a pseudo-terminal: stdout.isTTY, as in a shell.
  const command = `'${process.execPath}' '${MASTER}' --live --port 0 --workers 2`;
  const run = new RunningMaster(spawnAsUser(t, 'script', ['-qfec', command, '/dev/null']));
  t.teardown(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitForLine(/^handoff: 2 workers listening on http:\/\/127\.0\.0\.1:(\d+)\//, 'the listening line', STARTUP_MS);
  const [, masterPid] = await run.waitForLine(/kill -HUP (\d+) restarts them/);
  // The pty's hang-up would be a SIGHUP (a rolling restart) to an orphaned master: kill it ourselves.
  t.teardown(() => {
    killQuietly(Number(masterPid));
    workersOf(Number(masterPid)).forEach(killQuietly);
  });
  await run.waitForLine(/^\x1b\[H\x1b\[Jhandoff --live: shared, http:\/\/127\.0\.0\.1:\d+\/ {2}\(Ctrl-C/, 'a first frame');
  t.pass('a frame starts by homing the cursor and clearing the screen');
  t.equal((await load(Number(port), 200, 10)).failed, 0);
  await run.waitForLine(/^total 200 {2}\d+\/s {2}max\/min \d+\.\d\d {2}Jain's index \d\.\d{3}\r?$/, 'a frame with all 200 connections');
  process.kill(Number(masterPid), 'SIGINT');
  t.equal(await within(run.exited, EVENT_MS, 'script(1) to exit'), 0, 'script(1) exits with the master\'s code');
  const counts = run.stdout.flatMap((line) => /^worker \d+ got (\d+) connections\r?$/.exec(line)?.[1] ?? []).map(Number);
  t.equal(counts.length, 2, 'the article\'s line for each worker, after the last frame');
  t.equal(counts.reduce((sum, count) => sum + count, 0), 200);
  t.same(workersOf(Number(masterPid)), [], 'no worker left');
});
