/**
 * --model reuseport: one socket per worker and the kernel's hash. Runs on this Node if it has
 * listen({ reusePort }), else on $HANDOFF_NODE24 (.ci/run installs Node 24 from npm).
 */
import t from 'tap';
import { hasReusePort } from '../lib/models/reuseport';
import { describeDistribution } from '../lib/stats';
import { assertAccounted, distributionRun } from './helpers/distribution';
import { modelNode, spawnMaster } from './helpers/master';

const N = 10_000;
const node = modelNode('reuseport');

t.test('SO_REUSEPORT: the kernel hashes connections; Jain\'s index >= 0.99', { skip: node ? false : 'needs Node >= 22.12' }, async (t) => {
  const run = await distributionRun(t, 'reuseport', N, 100, node!);
  assertAccounted(t, run, N);
  // Not exact: each connection goes where a hash of its 4-tuple (here: the client's port) points.
  const { jain } = describeDistribution(run.counts);
  t.ok(jain >= 0.99, `Jain's index ${jain.toFixed(4)}`);
});

t.test('on a Node without reusePort: one line naming the version needed, exit code 1', { skip: hasReusePort() ? 'this Node has reusePort' : false }, async (t) => {
  const master = spawnMaster(t, ['--model', 'reuseport', '--port', '0']);
  t.equal(await master.exited, 1);
  t.same(master.stderr, [`handoff: --model reuseport needs Node >= 22.12 (listen({ reusePort: true })); this is Node ${process.version}`]);
});
