/**
 * scripts/herd.ts — `npm run herd -- [--targets shared,rr,reuseport] [--transport raw] [-c 1,10,100] [-n 2000] [--workers 4]`
 *
 * The herd meter on its own: for each model and concurrency, one ab run (tools/measure/bench.ts) and, for
 * the master and every worker, the connections it got, how often its event loop was woken and how many
 * of its accept4() calls failed with EAGAIN (tools/measure/herd.ts); and for the whole server, the CPU it
 * spent per request, from a second run of the same cell without perf (tracing a syscall slows every
 * syscall of the traced process: tools/measure/bench.ts). reuseport runs on HANDOFF_REUSEPORT_NODE when
 * this Node is older than 22.12.
 */
import { parseArgs } from 'node:util';
import { parseTransport } from '../lib/http/transports';
import { hasAb } from '../tools/measure/ab';
import { nodeForTarget, runCell } from '../tools/measure/bench';
import { perfProblem } from '../tools/measure/herd';

const per = (count: number | null, connections: number) => (count === null || connections === 0 ? '–' : (count / connections).toFixed(2));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'shared,rr,rr-pipelined,reuseport' },
      transport: { type: 'string', default: 'raw' },
      c: { type: 'string', short: 'c', default: '1,10,100' },
      n: { type: 'string', short: 'n', default: '2000' },
      workers: { type: 'string', default: '4' },
    },
  });
  const transport = parseTransport(values.transport);
  const problem = perfProblem();
  if (problem) console.log(`herd: ${problem}`);
  console.log('| model | -c | process | connections | wake-ups | EAGAIN accepts | wake-ups/conn | EAGAIN/conn | CPU µs/req |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const target of values.targets.split(',')) {
    const node = nodeForTarget(target);
    if (!node) {
      console.log(`| ${target} | needs Node >= 22.12: set HANDOFF_REUSEPORT_NODE |`);
      continue;
    }
    for (const concurrency of values.c.split(',').map(Number)) {
      const cell = { target, transport, workers: Number(values.workers), concurrency, keepAlive: false };
      const run = await runCell(cell, Number(values.n), node, hasAb(), problem === null);
      // A run under perf has no CPU figure; without perf, the one run has both.
      const { cpuMicrosPerRequest } = problem === null ? await runCell(cell, Number(values.n), node, hasAb(), false) : run;
      const total = (run.counts ?? []).reduce((sum, count) => sum + count, 0);
      run.processes.forEach((counts, at) => {
        // The master accepts in the rr models; its row is set against every connection.
        const connections = at === 0 ? total : run.counts?.[at - 1] ?? 0;
        console.log(`| ${target} | ${concurrency} | ${at === 0 ? 'master' : `worker ${at - 1}`} | ${connections} | ` +
          `${counts.wakeups} | ${counts.failedAccepts ?? '–'} | ${per(counts.wakeups, connections)} | ${per(counts.failedAccepts, connections)} | |`);
      });
      console.log(`| ${target} | ${concurrency} | **all** | ${total} | | | **${run.wakeupsPerConnection?.toFixed(2) ?? '–'}** | ` +
        `**${run.failedAcceptsPerConnection?.toFixed(3) ?? '–'}** | **${cpuMicrosPerRequest?.toFixed(1) ?? '–'}** |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`herd: ${(error as Error).message}`);
  process.exit(1);
});
