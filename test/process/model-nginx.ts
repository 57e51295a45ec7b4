/**
 * --model nginx: a real nginx in front, one port per worker, and nothing left behind.
 */
import net from 'node:net';
import t from 'tap';
import { withoutChildCoverage } from '../helpers/coverage';
import { NGINX_WORKERS } from '../../lib/models/nginx';
import { findNginx, TEMP_DIR_PREFIX } from '../../lib/os/nginx-process';
import { freePorts } from '../../lib/os/ports';
import { childrenOf, isRunning } from '../../lib/os/procfs';
import { tempDirsOf as dirsOf } from '../../lib/os/temp-dir';
import { assertAccounted, distributionRun } from '../helpers/distribution';
import { spawnMaster, startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, until, within } from '../helpers/wait';
import { oneShot } from '../helpers/wire';

withoutChildCoverage();

const N = 4000;
const NO_NGINX = { skip: findNginx() ? false : 'nginx is not installed (apt-get install nginx)' };

/** The temporary directories a master's nginx was run from (named after the master's pid). */
const tempDirsOf = (masterPid: number) => dirsOf(TEMP_DIR_PREFIX, masterPid);

t.test('nginx round-robin: each worker within NGINX_WORKERS of N/4', NO_NGINX, async (t) => {
  const run = await distributionRun(t, 'nginx', N, 100);
  assertAccounted(t, run, N);
  // Each of the K nginx worker processes rotates on its own, each within 1 of an even split of what it
  // got; added up, a Node worker is within K of N/4.
  for (const count of run.counts) t.ok(Math.abs(count - N / 4) <= NGINX_WORKERS, `${count} is within ${NGINX_WORKERS} of ${N / 4}`);
  t.same(tempDirsOf(run.masterPid), [], 'the temporary directory is gone');
});

t.test('nginx answers in front; its workers are ours', NO_NGINX, async (t) => {
  const { port } = await startMaster(t, ['--model', 'nginx', '--workers', '2']);
  const { data } = await oneShot(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.match(String(data), /^HTTP\/1\.1 200 OK\r\n/);
  t.match(String(data), /\r\nServer: nginx/, 'the bytes on the wire are nginx\'s');
  t.match(String(data), /\r\nx-slot: [01]\r\n/);
  t.match(String(data), /\r\n\r\nhello nodejs$/);
  const bad = await oneShot(port, 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n');
  t.match(String(bad.data), /^HTTP\/1\.1 400 /, 'nginx refuses a NUL in a header itself');
});

t.test('master SIGKILLed: nginx and the workers go too', NO_NGINX, async (t) => {
  const { master, pids } = await startMaster(t, ['--model', 'nginx', '--workers', '2']);
  const nginx = childrenOf(master.pid).filter((child) => child.command === 'nginx').map((child) => child.pid);
  t.equal(nginx.length, 1, 'nginx runs as the master\'s child');
  const nginxWorkers = childrenOf(nginx[0]!).map((child) => child.pid);
  t.equal(nginxWorkers.length, NGINX_WORKERS, 'with its own workers');
  master.child.kill('SIGKILL');
  await master.exited;
  const everything = [...pids, ...nginx, ...nginxWorkers];
  const took = await until(() => !everything.some(isRunning), EVENT_MS, `${everything.join(' ')} to exit after the master's SIGKILL`);
  t.pass(`all gone ${took} ms after the master (nginx through PR_SET_PDEATHSIG)`);
  // A SIGKILLed master cannot remove its temporary directory; the next nginx start does.
  const orphaned = tempDirsOf(master.pid);
  t.equal(orphaned.length, 1, 'the killed master left its directory');
  const next = await startMaster(t, ['--model', 'nginx', '--workers', '1']);
  t.same(tempDirsOf(master.pid), [], `the next start removed ${orphaned[0]}`);
  t.equal(tempDirsOf(next.master.pid).length, 1, 'and made its own');
});

t.test('--print-config shows the config, with one upstream per worker', async (t) => {
  const master = spawnMaster(t, ['--model', 'nginx', '--print-config', '--port', '8000', '--workers', '3']);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 0);
  const config = master.stdout.join('\n');
  t.match(config, /listen 127\.0\.0\.1:8000 backlog=511;/);
  t.same(config.match(/server 127\.0\.0\.1:\d+ max_fails=0;/g),
    ['server 127.0.0.1:8001 max_fails=0;', 'server 127.0.0.1:8002 max_fails=0;', 'server 127.0.0.1:8003 max_fails=0;']);
});

t.test('a worker port in use: the line names that port, exit code 1, nothing left', NO_NGINX, async (t) => {
  // A free block P..P+2 from below the ephemeral range (a port next to a listen(0) port can be any
  // client's), then worker 1's port P+2 taken.
  const first = await freePorts('127.0.0.1', 0, 3);
  const taken = first + 2;
  const squatter = net.createServer().listen(taken, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  t.teardown(() => squatter.close());
  const master = spawnMaster(t, ['--model', 'nginx', '--workers', '2', '--port', String(first)]);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 1);
  t.same(master.stderr, [`handoff: port ${taken} on 127.0.0.1 is already in use`]);
  t.same(workersOf(master.pid), []);
});

t.test('no nginx: one line saying how to install it, exit code 1', async (t) => {
  const master = spawnMaster(t, ['--model', 'nginx', '--port', '0'], { env: { HANDOFF_NGINX: '/nonexistent/nginx' } });
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 1);
  t.same(master.stderr, ['handoff: --model nginx needs nginx: apt-get install nginx (or your system\'s package)']);
});
