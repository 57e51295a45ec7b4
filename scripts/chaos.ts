/**
 * scripts/chaos.ts — `npm run chaos -- [--model M|all] [--transport raw|socket] [--seconds 20] [--every 250] [-c 50]`
 *
 * Starts `node master.js --model M` on a free port, loads it with new connections for the given time
 * while a random worker gets SIGKILL every --every ms (tools/measure/chaos.ts), then stops it and prints,
 * per model: requests, failures beside the connections that were inside the killed workers, the
 * slowest recovery, and whether the workers' counts add up to what the client received.
 */
import { parseArgs } from 'node:util';
import { RecoveryClock, runChaos } from '../tools/measure/chaos';
import { startServer } from '../tools/measure/server';
import { nodeForReusePort } from '../lib/models/reuseport';
import { modelNames } from '../lib/models/names';
import { MASTER } from '../lib/os/paths';

async function chaosOf(model: string, transport: string, seconds: number, everyMs: number, concurrency: number): Promise<string> {
  const node = model === 'reuseport' ? nodeForReusePort() : process.execPath;
  if (!node) return `| ${model} | needs Node >= 22.12: set HANDOFF_REUSEPORT_NODE |`;
  const clock = new RecoveryClock();
  const master = await startServer(node, MASTER, ['--json', '--model', model, '--transport', transport, '--port', '0'],
    (event) => clock.onEvent(event));
  const run = await runChaos({
    url: new URL(`http://127.0.0.1:${master.port}/`), masterPid: master.pid, durationMs: seconds * 1000,
    killEveryMs: everyMs, concurrency,
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
    },
  });
  const models = values.model === 'all' ? [...modelNames] : [values.model];
  console.log(`chaos: kill -9 a random worker every ${values.every} ms for ${values.seconds} s, ` +
    `new connections at concurrency ${values.c}, transport ${values.transport}, Node ${process.version}`);
  console.log('| model | requests | req/s | kills | failed | in flight in killed workers | slowest recovery ms | 200s | counted by workers |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const model of models) {
    try {
      console.log(await chaosOf(model, values.transport, Number(values.seconds), Number(values.every), Number(values.c)));
    } catch (error) {
      console.log(`| ${model} | ${(error as Error).message} |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`chaos: ${(error as Error).message}`);
  process.exit(1);
});
