/**
 * scripts/chaos.ts — `npm run chaos -- [--model M|all] [--seconds 20] [--every 250] [-c 50]`
 *
 * Starts `node master.js --model M` on a free port, loads it with new connections for the given time
 * while a random worker gets SIGKILL every --every ms (lib/chaos.ts), then stops it and prints, per
 * model: requests, failures beside the connections that were inside the killed workers, the slowest
 * recovery, and whether the workers' counts add up to what the client received.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { RecoveryClock, runChaos } from '../lib/chaos';
import { modelNames } from '../lib/models';

const ROOT = path.resolve(__dirname, '..');

async function chaosOf(model: string, seconds: number, everyMs: number, concurrency: number): Promise<string> {
  const master = spawn(process.execPath, [path.join(ROOT, 'master.js'), '--model', model, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const clock = new RecoveryClock();
  const stdout: string[] = [];
  createInterface({ input: master.stderr! }).on('line', (line) => clock.onMasterLine(line));
  const listening = new Promise<number>((resolve, reject) => {
    createInterface({ input: master.stdout! }).on('line', (line) => {
      stdout.push(line);
      const match = /listening on http:\/\/[^:]+:(\d+)\//.exec(line);
      if (match) resolve(Number(match[1]));
    });
    master.once('exit', (code) => reject(new Error(`master exited (${code}) before listening`)));
  });
  const exited = new Promise((resolve) => master.once('exit', resolve));
  const port = await listening;
  const run = await runChaos({
    url: new URL(`http://127.0.0.1:${port}/`), masterPid: master.pid!, durationMs: seconds * 1000,
    killEveryMs: everyMs, concurrency,
  }, clock);
  master.kill('SIGINT');
  await exited;
  const reported = Number(/^total \d+ connections, (\d+) requests/m.exec(stdout.join('\n'))?.[1] ?? NaN);
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
