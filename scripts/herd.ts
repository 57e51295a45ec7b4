/**
 * scripts/herd.ts — `npm run herd -- [--targets shared,rr,reuseport] [-c 1,10,100] [-n 2000] [--workers 4]`
 *
 * The herd meter on its own: for each model and concurrency, one ab run (lib/bench.ts) and, for the
 * master and every worker, the connections it got, how often its event loop was woken and how many of
 * its accept4() calls failed with EAGAIN (lib/herd.ts). reuseport runs on HANDOFF_NODE24 when this Node
 * is older than 22.12.
 */
import { parseArgs } from 'node:util';
import { hasAb } from '../lib/ab';
import { nodeForTarget, runCell } from '../lib/bench';
import { perfProblem } from '../lib/herd';


const per = (count: number | null, connections: number) => (count === null || connections === 0 ? '–' : (count / connections).toFixed(2));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'shared,rr,reuseport' },
      c: { type: 'string', short: 'c', default: '1,10,100' },
      n: { type: 'string', short: 'n', default: '2000' },
      workers: { type: 'string', default: '4' },
    },
  });
  const problem = perfProblem();
  if (problem) console.log(`herd: ${problem}`);
  console.log('| model | -c | process | connections | wake-ups | EAGAIN accepts | wake-ups/conn | EAGAIN/conn |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const target of values.targets.split(',')) {
    const node = nodeForTarget(target);
    if (!node) {
      console.log(`| ${target} | needs Node >= 22.12: set HANDOFF_NODE24 |`);
      continue;
    }
    for (const concurrency of values.c.split(',').map(Number)) {
      const run = await runCell({ target, workers: Number(values.workers), concurrency, keepAlive: false }, Number(values.n), node, hasAb());
      const total = (run.counts ?? []).reduce((sum, count) => sum + count, 0);
      run.processes.forEach((process, position) => {
        // The master accepts in rr and rr-idle; its row is set against every connection.
        const connections = position === 0 ? total : run.counts?.[position - 1] ?? 0;
        console.log(`| ${target} | ${concurrency} | ${position === 0 ? 'master' : `worker ${position - 1}`} | ${connections} | ` +
          `${process.wakeups} | ${process.failedAccepts ?? '–'} | ${per(process.wakeups, connections)} | ${per(process.failedAccepts, connections)} |`);
      });
      console.log(`| ${target} | ${concurrency} | **all** | ${total} | | | **${run.wakeupsPerConnection?.toFixed(2) ?? '–'}** | **${run.failedAcceptsPerConnection?.toFixed(3) ?? '–'}** |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`herd: ${(error as Error).message}`);
  process.exit(1);
});
