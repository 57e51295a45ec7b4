/**
 * scripts/chaos.ts — `npm run chaos -- [--model M|all] [--seconds 20] [--every 250] [-c 50]`
 *
 * Starts `node master.js --model M` on a free port, loads it with new connections for the given time
 * while a random worker gets SIGKILL every --every ms (lib/chaos.ts), then stops it and prints, per
 * model: requests, failures beside the connections that were inside the killed workers, the slowest
 * recovery, and whether the workers' counts add up to what the client received.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../lib/bench';
import { RecoveryClock, runChaos } from '../lib/chaos';
import { modelNames } from '../lib/models';

const ROOT = path.resolve(__dirname, '..');

async function chaosOf(model: string, seconds: number, everyMs: number, concurrency: number): Promise<string> {
  const clock = new RecoveryClock();
  const master = await startServer(process.execPath, [path.join(ROOT, 'master.js'), '--model', model, '--port', '0'],
    (line) => clock.onMasterLine(line));
  const run = await runChaos({
    url: new URL(`http://127.0.0.1:${master.port}/`), masterPid: master.pids[0]!, durationMs: seconds * 1000,
    killEveryMs: everyMs, concurrency,
  }, clock);
  const report = await master.stop();
  const reported = Number(/^total \d+ connections, (\d+) requests/m.exec(report)?.[1] ?? NaN);
  const ok = run.load.statuses.get(200) ?? 0;
  const failed = Object.values(run.load.failures).reduce((sum, count) => sum + count, 0);
  return `| ${model} | ${run.load.requests} | ${Math.round(run.load.requestsPerSecond)} | ${run.kills} | ${failed} | ` +
    `${run.inFlightAtKills} | ${Math.max(0, ...run.recoveryMs)} | ${ok} | ${reported} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'all' },
      seconds: { type: 'string', default: '20' },
      every: { type: 'string', default: '250' },
      c: { type: 'string', short: 'c', default: '50' },
    },
  });
  const models = values.model === 'all' ? [...modelNames] : [values.model];
  console.log(`chaos: kill -9 a random worker every ${values.every} ms for ${values.seconds} s, ` +
    `new connections at concurrency ${values.c}, Node ${process.version}`);
  console.log('| model | requests | req/s | kills | failed | in flight in killed workers | slowest recovery ms | 200s | counted by workers |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const model of models) {
    try {
      console.log(await chaosOf(model, Number(values.seconds), Number(values.every), Number(values.c)));
    } catch (error) {
      console.log(`| ${model} | ${(error as Error).message} |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`chaos: ${(error as Error).message}`);
  process.exit(1);
});
