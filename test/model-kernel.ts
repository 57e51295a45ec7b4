/**
 * Models where the kernel decides (shared, cluster-none) or Node's cluster rotates (cluster-rr): every
 * connection is accounted for. The imbalance is reported, not bounded: it is what the kernel does.
 */
import t from 'tap';
import { assertAccounted, distributionRun } from './helpers/distribution';

const N = 10_000;

for (const model of ['shared', 'cluster-none', 'cluster-rr']) {
  t.test(`--model ${model}: every connection accounted for`, async (t) => {
    assertAccounted(t, await distributionRun(t, model, N, 100), N);
  });
}
