/**
 * --model reuseport: one socket per worker and the kernel's hash. Runs on this Node if it has
 * listen({ reusePort }), else on $HANDOFF_REUSEPORT_NODE (.ci/run points it at Node 24 from npm).
 */
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { withoutChildCoverage } from '../helpers/coverage';
import { hasReusePort } from '../../lib/models/reuseport';
import { describeDistribution } from '../../lib/report/stats';
import { load } from '../helpers/load';
import { assertAccounted, distributionRun } from '../helpers/distribution';
import { modelNode, spawnMaster, startMaster } from '../helpers/master';
import { EVENT_MS, within } from '../helpers/wait';

withoutChildCoverage();

const N = 4000;
const node = modelNode('reuseport');
const NEEDS_REUSEPORT = { skip: node ? false : 'needs Node >= 22.12' };

/** The listening sockets on a port, each with the pids of the processes that hold it (ss -ltnp). */
function listeners(port: number): number[][] {
  return execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')
    .map((line) => [...line.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1])).sort((a, b) => a - b));
}

t.test('SO_REUSEPORT: one listening socket per worker, each held by its worker (and the master) only', NEEDS_REUSEPORT, async (t) => {
  const { master, port, pids } = await startMaster(t, ['--model', 'reuseport', '--workers', '4'], { node: node! });
  const sockets = listeners(port);
  t.equal(sockets.length, 4, `${sockets.length} listening sockets on port ${port}: the kernel's reuseport group`);
  for (const holders of sockets) {
    const workers = holders.filter((pid) => pids.includes(pid));
    t.equal(workers.length, 1, `one worker on socket held by ${holders.join(' ')}`);
    t.ok(holders.includes(master.pid), 'the master keeps its copy for a replacement');
  }
  t.same(sockets.flatMap((holders) => holders.filter((pid) => pids.includes(pid))).sort(), [...pids].sort(), 'each worker on a socket of its own');
  t.equal((await load(port, 400, 20)).failed, 0);
});

t.test('SO_REUSEPORT: the kernel hashes connections; every one accounted for, Jain\'s index >= 0.99', NEEDS_REUSEPORT, async (t) => {
  const run = await distributionRun(t, 'reuseport', N, 100, { node: node! });
  assertAccounted(t, run, N);
  // Not exact: each connection goes where a hash of its 4-tuple (here: the client's port) points. The
  // bound alone would also pass one shared socket; the test above is what says it is reuseport.
  const { jain } = describeDistribution(run.counts);
  t.ok(jain >= 0.99, `Jain's index ${jain.toFixed(4)}`);
});

t.test('on a Node without reusePort: one line naming the version needed, exit code 1', { skip: hasReusePort() ? 'this Node has reusePort' : false }, async (t) => {
  const master = spawnMaster(t, ['--model', 'reuseport', '--port', '0']);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 1);
  t.same(master.stderr, [`handoff: --model reuseport needs Node >= 22.12 (listen({ reusePort: true })); this is Node ${process.version}`]);
});
