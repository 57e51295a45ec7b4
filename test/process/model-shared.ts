/**
 * Models where the kernel decides (shared, cluster-none) or Node's cluster hands connections out
 * (cluster-rr): every connection is accounted for. The kernel promises no evenness, so for it the split
 * is reported, with one bound that holds whatever the scheduler does: every worker accepts some
 * connections (a worker that never listened would take none). cluster-rr is Node's RoundRobinHandle:
 * like rr-free, each worker gets at least a quarter of an even share.
 */
import t from 'tap';
import { withoutChildCoverage } from '../helpers/coverage';
import { assertAccounted, distributionRun } from '../helpers/distribution';

withoutChildCoverage();

const N = 4000;

for (const model of ['shared', 'cluster-none', 'cluster-rr']) {
  t.test(`--model ${model}: every connection accounted for`, async (t) => {
    const run = await distributionRun(t, model, N, 100);
    assertAccounted(t, run, N);
    const least = model === 'cluster-rr' ? N / 16 : 1;
    for (const count of run.counts) t.ok(count >= least, `${count} >= ${least}`);
  });
}
