/**
 * What happens when things go wrong: the port is taken, the master is killed, a worker dies, fds run out,
 * Node lacks an internal the kit uses.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { MASTER } from '../../lib/os/paths';
import { cpuMicros, fdCount, isRunning } from '../../lib/os/procfs';
import { restartDelay } from '../../lib/supervisor/restart-policy';
import { load } from '../helpers/load';
import { RunningMaster, spawnAsUser, spawnMaster, startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, until, within } from '../helpers/wait';
import { Conversation, oneShot } from '../helpers/wire';

t.test('a port in use: one readable line, exit code 1, no worker left', async (t) => {
  // Without the master's own check, the workers would listen on a random port on 0.0.0.0 instead
  // (see bindServerHandle in lib/binding/tcp.ts).
  const squatter = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  t.teardown(() => squatter.close());
  const { port } = squatter.address() as net.AddressInfo;
  const master = spawnMaster(t, ['--port', String(port)]);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 1);
  t.same(master.stderr, [`handoff: port ${port} on 127.0.0.1 is already in use`]);
  t.same(master.stdout, []);
  t.same(workersOf(master.pid), [], 'no worker left behind');
  const json = spawnMaster(t, ['--port', String(port)], { json: true });
  t.equal(await within(json.exited, EVENT_MS, 'the --json master to exit'), 1);
  t.same(json.events, [{ type: 'error', code: 'EADDRINUSE', message: `port ${port} on 127.0.0.1 is already in use` }], 'with --json, the same as an event');
});

t.test('bad flags: usage on stderr, exit code 2, nothing forked', async (t) => {
  const master = spawnMaster(t, ['--workers', 'many']);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 2);
  t.equal(master.stderr[0], "handoff: --workers must be a whole number from 1 to 64, not 'many'");
  t.match(master.stderr.join('\n'), /usage: node master.js/);
  const help = spawnMaster(t, ['--help']);
  t.equal(await within(help.exited, EVENT_MS, 'the master to exit'), 0);
  t.match(help.stdout.join('\n'), /--backlog B/);
});

t.test('master killed with SIGKILL: every worker exits by itself', async (t) => {
  const { master, pids } = await startMaster(t);
  master.child.kill('SIGKILL');
  await master.exited;
  // The kernel closes the master's end of every IPC socketpair; each worker reads EOF at once and exits
  // (worker.ts, 'disconnect'). No timing is promised beyond "at once": the wait only says it happened.
  const took = await until(() => !pids.some(isRunning), EVENT_MS, `workers ${pids.join(' ')} to exit after the master's SIGKILL`);
  t.pass(`all ${pids.length} workers gone ${took} ms after the master`);
});

t.test('SIGTERM stops like SIGINT: the report, then nothing left', async (t) => {
  const { master, pids } = await startMaster(t, ['--workers', '2']);
  const stopped = await master.stop('SIGTERM');
  t.equal(stopped.code, 0);
  t.same([...stopped.connections.keys()].sort(), [...pids].sort());
  t.same(workersOf(master.pid), []);
});

t.test('a worker that dies is replaced, and the new one listens on the same socket', async (t) => {
  const { master, port, pids } = await startMaster(t, ['--workers', '2']);
  process.kill(pids[1]!, 'SIGKILL');
  const exited = await master.waitForEvent('worker-exited', (event) => event.pid === pids[1], 'worker 1\'s exit');
  t.match(exited, { slot: 1, signal: 'SIGKILL', restartInMs: 0 }, 'killed from outside: replaced at once');
  const { pid: newPid } = await master.waitForEvent('worker-ready', (event) => event.slot === 1, 'worker 1\'s replacement to be ready');
  // ss lists every process that holds the listening socket's fd.
  const holders = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  t.match(holders, new RegExp(`pid=${newPid},`), 'the replacement holds the same listening socket');
  t.notMatch(holders, new RegExp(`pid=${pids[1]},`), 'the dead worker does not');
  t.equal((await load(port, 200, 10)).failed, 0);
  const stopped = await master.stop();
  t.same(stopped.report!.workers.map((worker) => [worker.slot, worker.pid, worker.replaced]),
    [[0, pids[0], false], [1, pids[1], true], [1, newPid, false]]);
  t.equal(stopped.report!.connections, 200);
  t.equal(stopped.report!.slots[1]!.connections, stopped.report!.workers[2]!.connections, 'the dead worker served nothing');
});

t.test('out of fds (EMFILE): libuv sheds the excess connections itself, and the worker survives', async (t) => {
  // 64 fds for the master and its worker; Node itself uses about 20 of them. libuv keeps one spare fd:
  // on EMFILE it closes it, accepts and closes what is queued, and reopens it (uv__emfile_trick() in
  // deps/uv/src/unix/stream.c). uv__server_io then returns without calling onconnection (libuv >= 1.45),
  // so JavaScript never hears of it: a client sees its connection closed unanswered.
  const { master, port, pids } = await startMaster(t, ['--workers', '1', '--idle-timeout', '60000'], { wrapper: ['prlimit', '--nofile=64'] });
  const clients = await Promise.all(Array.from({ length: 100 }, () => Conversation.open(port)));
  t.teardown(() => clients.forEach((client) => client.close()));
  await within(Promise.race(clients.map((client) => client.closed)), EVENT_MS, 'the server to close a connection it had no fd for');
  t.pass('a connection the worker had no fd for was closed by the server, unanswered');
  clients.forEach((client) => client.close());
  // Descriptors come back as the worker sees its clients go; then a request gets through.
  let answer = '';
  const poll = async () => {
    while (!answer.endsWith('hello nodejs')) answer = String((await oneShot(port, 'GET / HTTP/1.0\r\n\r\n')).data);
  };
  await within(poll(), EVENT_MS, 'a request to be answered once fds are free');
  const stopped = await master.stop();
  const accepted = stopped.connections.get(pids[0]!) ?? 0;
  t.ok(accepted > 1 && accepted < 101, `the same worker, never replaced, accepted ${accepted} of the 101+ connections`);
  t.same(stopped.report!.workers.length, 1, 'no replacement was ever forked');
});

t.test('no fd left, not even libuv\'s spare: the worker accepts nothing and spins until an fd frees, then serves', async (t) => {
  // prlimit can lower a running process's limit below what it already has open. Then accept4() fails
  // with EMFILE, uv__emfile_trick closes the spare and still cannot accept, cannot reopen the spare, and
  // from then on returns at once; the listening socket stays readable, and level-triggered epoll wakes
  // the loop again and again: a worker that spins, accepts nothing, and never hears of it in JavaScript.
  const { master, port, pids } = await startMaster(t, ['--workers', '1', '--idle-timeout', '60000']);
  const worker = pids[0]!;
  const limit = (soft: number | string) => execFileSync('prlimit', ['--pid', String(worker), `--nofile=${soft}:`]);
  limit(Math.max(4, fdCount(worker) - 4));
  t.teardown(() => { try { limit(1024); } catch { /* gone */ } });
  const waiting = await Conversation.open(port);
  waiting.send('GET / HTTP/1.0\r\n\r\n');
  const before = cpuMicros(worker);
  // A second of the worker's life: idle, it would use next to no CPU.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const spun = cpuMicros(worker) - before;
  t.ok(spun >= 100_000, `the worker used ${Math.round(spun / 1000)} ms of CPU in a second with one connection it cannot accept`);
  t.equal(waiting.socket.bytesRead, 0, 'and the connection got nothing');
  limit(1024);
  t.match((await waiting.readToClose()).data.toString('latin1'), /hello nodejs$/, 'an fd is free again: the same connection is served');
  t.equal((await master.stop()).report!.workers.length, 1, 'the worker was never replaced');
  t.same(master.stderr, [], 'nothing reached JavaScript to complain about');
});

t.test('a crash loop is slowed down: each replacement waits as restart-policy.ts says', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '1', '--allow-crash']);
  const exits: Array<{ restartInMs: number | null; livedMs: number; signal: string | null }> = [];
  const readyEvents = () => master.events.filter((event) => event.type === 'worker-ready');
  for (let crash = 0; crash < 4; crash++) {
    await oneShot(port, 'GET /crash HTTP/1.0\r\n\r\n');
    // The policy's longest wait here is 800 ms, on top of the usual.
    await master.waitForEvent('worker-ready', (event) => readyEvents().indexOf(event) === crash, `replacement ${crash + 1} to be ready`);
  }
  for (const event of master.events) if (event.type === 'worker-exited') exits.push(event);
  t.equal(exits.length, 4);
  // The policy, applied to what really happened: a replacement that lived past STABLE_AFTER_MS on a slow
  // machine starts the count again, and the test follows it instead of assuming it did not.
  let previous = 0;
  for (const [at, exit] of exits.entries()) {
    const expected = restartDelay(previous, exit.livedMs, exit.signal);
    t.equal(exit.restartInMs, expected, `crash ${at + 1}: lived ${exit.livedMs} ms, waited ${exit.restartInMs} ms`);
    previous = expected;
  }
  t.ok(exits.some((exit) => exit.restartInMs! > 0), `at least one replacement was delayed (${exits.map((exit) => exit.restartInMs).join(', ')} ms)`);
  t.equal((await load(port, 50, 5)).failed, 0, 'the last replacement serves');
});

const MISSING: Array<[string, string]> = [['remove-internal.js', 'net._createServerHandle()'], ['remove-write-wrap.js', 'process.binding(\'stream_wrap\').WriteWrap']];
for (const [preload, missing] of MISSING) {
  t.test(`a Node without ${missing} fails at start-up, in one line that names the version`, async (t) => {
    const child = spawnAsUser(t, process.execPath, ['--require', path.join(__dirname, '..', 'helpers', preload), MASTER, '--port', '0']);
    const master = new RunningMaster(child);
    t.teardown(() => child.kill('SIGKILL'));
    t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 1);
    t.same(master.stderr, [`handoff: ${missing} is missing in Node ${process.version}; ` +
      'handoff is checked on Node 20, 24 and 26, and lib/binding/ is the one folder to adapt']);
  });
}
