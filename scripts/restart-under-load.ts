/**
 * scripts/restart-under-load.ts — `node dist/scripts/restart-under-load.js [--model shared] [--transport raw]
 *   [--client ab-k|ab|wrk] [--workers 4] [--hup-after 1000] [--runs 1]`
 *
 * A rolling restart under a real client, counted the client's way: starts the master, starts ab (-k
 * keeps connections alive; plain ab opens one per request) or wrk at concurrency 50, sends the master
 * SIGHUP --hup-after ms later, and once the master says the restart is done and a second more has
 * passed, stops the client as Ctrl-C would, so it prints its summary. One line per run: requests, and
 * what the client counted as failed (ab: Failed requests; wrk: socket errors and non-2xx).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startServer } from '../tools/measure/server';
import { MASTER } from '../lib/os/paths';

const AFTER_RESTART_MS = 1000;

function clientCommand(client: string, url: string): string[] {
  if (client === 'wrk') return ['wrk', '-t1', '-c50', '-d600s', url];
  return ['ab', ...(client === 'ab-k' ? ['-k'] : []), '-r', '-c', '50', '-n', '100000000', url];
}

function summary(client: string, output: string): string {
  if (client === 'wrk') {
    const requests = /(\d+) requests in/.exec(output)?.[1] ?? '?';
    const errors = /Socket errors: (.*)/.exec(output)?.[1] ?? 'none';
    const bad = /Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? '0';
    return `${requests} requests, socket errors: ${errors}, non-2xx: ${bad}`;
  }
  const field = (label: string) => new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '?';
  return `${field('Complete requests')} requests, ${field('Failed requests')} failed`;
}

async function once(values: Record<string, string>): Promise<string> {
  let restartDone: () => void = () => {};
  const done = new Promise<void>((resolve) => { restartDone = resolve; });
  let restartStarted = 0;
  const server = await startServer(process.execPath, MASTER,
    ['--json', '--model', values.model!, '--transport', values.transport!, '--workers', values.workers!, '--port', '0'],
    (event) => { if (event.type === 'restart-done') restartDone(); });
  const url = `http://127.0.0.1:${server.port}/`;
  const command = clientCommand(values.client!, url);
  const client = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  client.stdout.on('data', (chunk) => { output += chunk; });
  client.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => client.once('exit', resolve));
  setTimeout(() => {
    restartStarted = Date.now();
    process.kill(server.pid, 'SIGHUP');
  }, Number(values['hup-after']));
  await done;
  const restartMs = Date.now() - restartStarted;
  await new Promise((resolve) => setTimeout(resolve, AFTER_RESTART_MS));
  client.kill('SIGINT');
  await exited;
  await server.stop();
  return `${values.model} ${values.transport} ${values.client}: ${summary(values.client!, output)}; restart took ${restartMs} ms`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'shared' },
      transport: { type: 'string', default: 'raw' },
      client: { type: 'string', default: 'ab-k' },
      workers: { type: 'string', default: '4' },
      'hup-after': { type: 'string', default: '1000' },
      runs: { type: 'string', default: '1' },
    },
  });
  for (let run = 0; run < Number(values.runs); run++) console.log(await once(values as Record<string, string>));
}

main().catch((error: unknown) => {
  console.error(`restart-under-load: ${(error as Error).message}`);
  process.exit(1);
});
