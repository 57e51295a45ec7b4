/**
 * What happens when things go wrong: the port is taken, the master is killed, a worker dies.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import t from 'tap';
import { load } from '../lib/load';
import { Conversation, oneShot } from './helpers/wire';
import { spawnMaster, startMaster, waitForExit, workersOf } from './helpers/master';

t.test('a port in use: one readable line, exit code 1, no worker left', async (t) => {
  // Without the master's own check, the workers would listen on a random port on 0.0.0.0 instead
  // (see bindServerHandle in lib/binding.ts).
  const squatter = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  t.teardown(() => squatter.close());
  const { port } = squatter.address() as net.AddressInfo;
  const master = spawnMaster(t, ['--port', String(port)]);
  t.equal(await master.exited, 1);
  t.same(master.stderr, [`handoff: port ${port} on 127.0.0.1 is already in use`]);
  t.same(master.stdout, []);
  t.same(workersOf(master.pid), [], 'no worker left behind');
});

t.test('bad flags: usage on stderr, exit code 2, nothing forked', async (t) => {
  const master = spawnMaster(t, ['--workers', 'many']);
  t.equal(await master.exited, 2);
  t.equal(master.stderr[0], "handoff: --workers must be a whole number from 1 to 64, not 'many'");
  t.match(master.stderr.join('\n'), /usage: node master.js/);
  const help = spawnMaster(t, ['--help']);
  t.equal(await help.exited, 0);
  t.match(help.stdout.join('\n'), /--backlog B/);
});

t.test('master killed with SIGKILL: every worker exits by itself within 1 s', async (t) => {
  const { master, pids } = await startMaster(t);
  master.child.kill('SIGKILL');
  await master.exited;
  const took = await waitForExit(pids, 1000);
  t.pass(`all ${pids.length} workers gone ${took} ms after the master`);
});

t.test('SIGTERM stops like SIGINT: the report, then nothing left', async (t) => {
  const { master, pids } = await startMaster(t, ['--workers', '2']);
  const report = await master.stop('SIGTERM');
  t.equal(report.code, 0);
  t.same([...report.connections.keys()].sort(), [...pids].sort());
  t.same(pids.filter((pid) => workersOf(master.pid).includes(pid)), []);
});

t.test('a worker that dies is replaced, and the new one listens on the same socket', async (t) => {
  const { master, port, pids } = await startMaster(t, ['--workers', '2']);
  process.kill(pids[1]!, 'SIGKILL');
  await master.waitForLine(new RegExp(`^handoff: worker 1 \\(pid ${pids[1]}\\) exited with signal SIGKILL; forking a replacement`));
  const [, newPid] = await master.waitForLine(/^handoff: worker 1 \(pid (\d+)\) is ready$/);
  // ss lists every process that holds the listening socket's fd.
  const holders = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  t.match(holders, new RegExp(`pid=${newPid},`), 'the replacement holds the same listening socket');
  t.notMatch(holders, new RegExp(`pid=${pids[1]},`), 'the dead worker does not');
  const result = await load(port, 200, 10);
  t.equal(result.failures, 0);
  const report = await master.stop();
  t.same([...report.connections.keys()].sort(), [pids[0], Number(newPid)].sort());
  t.equal([...report.connections.values()].reduce((a, b) => a + b, 0), 200);
});

t.test('out of fds (EMFILE): libuv drops the excess connections itself, and the worker survives', async (t) => {
  // 64 fds for the master and its worker; Node itself uses about 20 of them. libuv keeps one spare fd:
  // on EMFILE it closes it, accepts and closes what is queued, and reopens it (uv__emfile_trick() in
  // deps/uv/src/unix/stream.c), and onconnection never hears of it.
  const { master, port, pids } = await startMaster(t, ['--workers', '1', '--idle-timeout', '60000'], process.execPath,
    ['prlimit', '--nofile=64']);
  const clients = await Promise.all(Array.from({ length: 100 }, () => Conversation.open(port)));
  t.teardown(() => clients.forEach((client) => client.close()));
  await Promise.race(clients.map((client) => client.closed));
  t.pass('a connection the worker had no fd for was closed by the server');
  clients.forEach((client) => client.close());
  // Descriptors come back as the worker sees its clients go; then a request gets through.
  let answer = '';
  while (!answer.endsWith('hello nodejs')) answer = String((await oneShot(port, 'GET / HTTP/1.0\r\n\r\n')).data);
  const report = await master.stop();
  const accepted = report.connections.get(pids[0]!) ?? 0;
  t.ok(accepted > 1 && accepted < 101, `the same worker, never replaced, accepted ${accepted} of 101`);
  t.notMatch(report.stdout.join('\n'), /failed accepts/, 'no accept error ever reached JavaScript');
});

t.test('a crash loop is slowed down: each replacement that dies young waits twice as long', async (t) => {
  const { master, port } = await startMaster(t, ['--workers', '1', '--allow-crash']);
  const delays: number[] = [];
  let readyAgain: () => void = () => {};
  master.lineListeners.push((line) => {
    const crashed = /^handoff: worker 0 \(pid \d+\) exited with code 1; forking a replacement(?: in (\d+) ms)?/.exec(line);
    if (crashed) delays.push(Number(crashed[1] ?? 0));
    if (/^handoff: worker 0 \(pid \d+\) is ready$/.test(line)) readyAgain();
  });
  for (let crash = 0; crash < 4; crash++) {
    const ready = new Promise<void>((resolve) => { readyAgain = resolve; });
    await oneShot(port, 'GET /crash HTTP/1.0\r\n\r\n');
    await ready;
  }
  // The first worker may have lived past the 1 s mark on a slow machine; from then on, each one died young.
  t.equal(delays.length, 4);
  for (let at = 1; at < delays.length; at++) {
    if (delays[at - 1]! > 0) t.equal(delays[at], delays[at - 1]! * 2, `crash ${at + 1} waits ${delays[at]} ms`);
  }
  t.ok(delays[3]! >= 400, `delays ${delays.join(', ')} ms`);
  t.equal((await load(port, 50, 5)).failures, 0, 'the last replacement serves');
});
