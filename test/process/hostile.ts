/**
 * Thousands of idle connections: they cost the workers a little memory each and nothing else. Other
 * clients are served meanwhile, every idle one is closed at the idle timeout, and no worker dies.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import t from 'tap';
import { withoutChildCoverage } from '../helpers/coverage';
import { load } from '../helpers/load';
import { startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, within } from '../helpers/wait';

withoutChildCoverage();

const IDLE = 3000;
const IDLE_TIMEOUT_MS = 3000;
const BATCH = 250;

function rssKiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

t.test(`${IDLE} idle connections: bounded memory, others served, all closed at the idle timeout`, async (t) => {
  const { master, port, pids } = await startMaster(t, ['--workers', '2', '--idle-timeout', String(IDLE_TIMEOUT_MS)]);
  const undisturbed = await load(port, 2000, 20);
  t.equal(undisturbed.failed, 0);
  const before = pids.map(rssKiB);

  const idle: net.Socket[] = [];
  t.teardown(() => idle.forEach((socket) => socket.destroy()));
  const closed: Array<Promise<number>> = [];
  // Lifetimes count from before the first connect: no worker can have accepted one earlier.
  const began = Date.now();
  const open = () => new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      closed.push(new Promise((done) => socket.once('close', () => done(Date.now() - began))));
      resolve();
    });
    socket.once('error', reject);
    idle.push(socket);
  });
  // In batches smaller than the backlog: 3000 SYNs at once would overflow the accept queue, and a
  // handshake whose last ACK the kernel dropped looks connected to the client while the server never
  // accepts it (tcp_abort_on_overflow=0): a connection no timeout of ours can close.
  for (let batch = 0; batch < IDLE / BATCH; batch++) await Promise.all(Array.from({ length: BATCH }, open));

  const allOpenAfter = Date.now() - began;
  const meanwhile = await load(port, 2000, 20);
  t.equal(meanwhile.failed, 0, `2000 requests served beside ${IDLE} idle connections`);
  t.comment(`req/s undisturbed ${Math.round(undisturbed.requestsPerSecond)}, beside ${IDLE} idle connections ${Math.round(meanwhile.requestsPerSecond)}`);
  const growthKiB = pids.map(rssKiB).reduce((sum, rss, index) => sum + rss - before[index]!, 0);
  // A net.Socket, its libuv handle and our connection state are a few KiB; nothing is buffered for a
  // client that sends nothing. 32 KiB per connection would mean something is.
  t.ok(growthKiB < IDLE * 32, `the workers grew ${Math.round(growthKiB / 1024)} MiB for ${IDLE} idle connections`);

  const lifetimes = await within(Promise.all(closed), IDLE_TIMEOUT_MS + EVENT_MS, `the ${IDLE} idle connections to be closed by the workers`);
  t.ok(Math.min(...lifetimes) >= IDLE_TIMEOUT_MS, `none closed before the idle timeout (first after ${Math.min(...lifetimes)} ms)`);
  t.comment(`all open after ${allOpenAfter} ms, the last closed after ${Math.max(...lifetimes)} ms`);
  t.same(workersOf(master.pid).sort(), [...pids].sort(), 'no worker died');
  const report = (await master.stop()).report!;
  t.match(report, { connections: 4000 + IDLE, requests: 4000 });
});
