/**
 * scripts/chaos.ts — `npm run chaos -- [--model M|all] [--transport raw|socket] [--seconds 20] [--every 250] [-c 50]
 *   [--keep-alive] [--rebalance]`
 *
 * Starts `node master.js --model M` on a free port, loads it with new connections for the given time
 * while a random worker gets SIGKILL every --every ms (tools/measure/chaos.ts), then stops it and prints,
 * per model: requests, failures beside the connections that were inside the killed workers, the
 * slowest recovery, and whether the workers' counts add up to what the client received. --keep-alive
 * loads it with kept-alive connections instead (a kill takes every connection its victim held, busy or
 * not); --rebalance starts the master with it, so connections move between workers while they die.
 */
import { parseArgs } from 'node:util';
import { RecoveryClock, runChaos } from '../tools/measure/chaos';
import { startServer } from '../tools/measure/server';
import { nodeForReusePort } from '../lib/models/reuseport';
import { modelNames } from '../lib/models/names';
import { MASTER } from '../lib/os/paths';

interface Settings { transport: string; seconds: number; everyMs: number; concurrency: number; keepAlive: boolean; rebalance: boolean }

async function chaosOf(model: string, { transport, seconds, everyMs, concurrency, keepAlive, rebalance }: Settings): Promise<string> {
  if (rebalance && model === 'nginx') return `| ${model} | --rebalance moves what the workers hold; nginx holds the clients' connections |`;
  const node = model === 'reuseport' ? nodeForReusePort() : process.execPath;
  if (!node) return `| ${model} | needs Node >= 22.12: set HANDOFF_REUSEPORT_NODE |`;
  const clock = new RecoveryClock();
  const master = await startServer(node, MASTER, ['--json', '--model', model, '--transport', transport, '--port', '0', ...(rebalance ? ['--rebalance'] : [])],
    (event) => clock.onEvent(event));
  const run = await runChaos({
    url: new URL(`http://127.0.0.1:${master.port}/`), masterPid: master.pid, durationMs: seconds * 1000,
    killEveryMs: everyMs, concurrency, keepAlive,
  }, clock);
  const report = await master.stop();
  const ok = run.load.statuses.get(200) ?? 0;
  const inFlight = run.kills.reduce((sum, kill) => sum + kill.inFlight, 0);
  return `| ${model} | ${run.load.requests} | ${Math.round(run.load.requestsPerSecond)} | ${run.kills.length} | ${run.load.failed} | ` +
    `${inFlight} | ${Math.max(0, ...run.recoveryMs)} | ${ok} | ${report?.requests ?? '–'} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'all' },
      transport: { type: 'string', default: 'raw' },
      seconds: { type: 'string', default: '20' },
      every: { type: 'string', default: '250' },
      c: { type: 'string', short: 'c', default: '50' },
      'keep-alive': { type: 'boolean', default: false },
      rebalance: { type: 'boolean', default: false },
    },
  });
  const models = values.model === 'all' ? [...modelNames] : [values.model];
  console.log(`chaos: kill -9 a random worker every ${values.every} ms for ${values.seconds} s, ` +
    `${values['keep-alive'] ? 'kept-alive' : 'new'} connections at concurrency ${values.c}, transport ${values.transport}` +
    `${values.rebalance ? ', --rebalance' : ''}, Node ${process.version}`);
  console.log('| model | requests | req/s | kills | failed | in flight in killed workers | slowest recovery ms | 200s | counted by workers |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const model of models) {
    try {
      console.log(await chaosOf(model, {
        transport: values.transport, seconds: Number(values.seconds), everyMs: Number(values.every), concurrency: Number(values.c),
        keepAlive: values['keep-alive'], rebalance: values.rebalance,
      }));
    } catch (error) {
      console.log(`| ${model} | ${(error as Error).message} |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`chaos: ${(error as Error).message}`);
  process.exit(1);
});
