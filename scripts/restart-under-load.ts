/**
 * scripts/restart-under-load.ts — `node dist/scripts/restart-under-load.js [--model shared|M,M|all]
 *   [--transport raw|socket|raw,socket] [--client wrk|ab-k|ab|a,b] [--workers 4] [--seconds 10] [--hup-after 3000]
 *   [--runs 1] [--restart-closes]`
 *
 * A rolling restart under a real client, counted the client's way and the master's: starts the master,
 * runs wrk (-t2 -c50) or ab (-c50; -k keeps connections alive, plain ab opens one per request) for
 * --seconds, and sends the master SIGHUP --hup-after ms in. One line per run: what the client counted
 * (requests; wrk's socket errors and non-2xx, ab's failed), and from the master's report the connections
 * its workers accepted over the whole run (a moved one counts once: with wrk's 50 kept-alive connections,
 * 50 means no client had to reconnect), the moves, and what the old workers could not move: connections
 * still open when --drain-timeout killed them, and moves that found no worker.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { modelNames } from '../lib/models/names';
import { nodeForReusePort } from '../lib/models/reuseport';
import { MASTER } from '../lib/os/paths';
import { parseTransport } from '../lib/http/transports';
import type { MasterEvent } from '../lib/events';
import { startServer } from '../tools/measure/server';

const CONCURRENCY = 50;

function clientCommand(client: string, url: string, seconds: number): string[] {
  if (client === 'wrk') return ['wrk', '-t2', `-c${CONCURRENCY}`, `-d${seconds}s`, url];
  return ['ab', ...(client === 'ab-k' ? ['-k'] : []), '-r', '-c', `${CONCURRENCY}`, '-t', `${seconds}`, '-n', '100000000', url];
}

function clientSummary(client: string, output: string): string {
  if (client === 'wrk') {
    const requests = /(\d+) requests in/.exec(output)?.[1] ?? '?';
    const errors = /Socket errors: (.*)/.exec(output)?.[1] ?? 'none';
    const bad = /Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? '0';
    return `${requests} requests, socket errors: ${errors}, non-2xx: ${bad}`;
  }
  const field = (label: string) => new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '?';
  return `${field('Complete requests')} requests, ${field('Failed requests')} failed`;
}

async function once(model: string, transport: string, clientName: string, values: Record<string, string | boolean>): Promise<string> {
  const node = model === 'reuseport' ? nodeForReusePort() : process.execPath;
  if (!node) return `${model} ${transport}: needs Node >= 22.12 (set HANDOFF_REUSEPORT_NODE)`;
  const events: Array<MasterEvent & { receivedAt: number }> = [];
  const server = await startServer(node, MASTER, ['--json', '--model', model, '--transport', transport, '--workers', `${values.workers}`,
    '--port', '0', ...(values['restart-closes'] ? ['--restart-closes'] : [])], (event) => void events.push({ ...event, receivedAt: Date.now() }));
  const seconds = Number(values.seconds);
  const command = clientCommand(clientName, `http://127.0.0.1:${server.port}/`, seconds);
  const client = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  client.stdout.on('data', (chunk) => { output += chunk; });
  client.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => client.once('exit', resolve));
  const hup = setTimeout(() => process.kill(server.pid, 'SIGHUP'), Number(values['hup-after']));
  await exited;
  clearTimeout(hup);
  const report = await server.stop();
  const at = (type: MasterEvent['type']) => events.filter((event) => event.type === type).length;
  const started = events.find((event) => event.type === 'restart-started');
  const done = events.find((event) => event.type === 'restart-done');
  const took = started && done ? `restart took ${done.receivedAt - started.receivedAt} ms` : 'the restart did not finish';
  return `${model} ${transport} ${clientName}: ${clientSummary(clientName, output)}; accepted ${report?.connections ?? '?'} ` +
    `connections, ${report?.moves ?? '?'} moves, ${at('drain-timeout')} workers killed at the drain deadline, ${at('move-failed')} moves failed; ${took}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'shared' },
      transport: { type: 'string', default: 'raw' },
      client: { type: 'string', default: 'wrk' },
      workers: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '10' },
      'hup-after': { type: 'string', default: '3000' },
      runs: { type: 'string', default: '1' },
      'restart-closes': { type: 'boolean', default: false },
    },
  });
  const models = values.model === 'all' ? modelNames.filter((model) => model !== 'nginx') : values.model!.split(',');
  const transports = values.transport!.split(',').map((name) => parseTransport(name));
  for (let run = 0; run < Number(values.runs); run++) {
    for (const model of models) {
      for (const transport of transports) for (const client of values.client!.split(',')) console.log(await once(model, transport, client, values));
    }
  }
}

main().catch((error: unknown) => {
  console.error(`restart-under-load: ${(error as Error).message}`);
  process.exit(1);
});
