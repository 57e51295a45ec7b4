/**
 * tools/measure/uneven.ts — the benchmark's uneven scenario: requests that cost milliseconds beside
 * requests that cost nothing, and whether a cheap one waits behind an expensive one.
 *
 * Two loads, each with a connection per request and with keep-alive, against 4 workers:
 *   busy  `wrk -t1 -c4 -H "Connection: close"` on `/work?us=20000` keeps workers burning 20 ms at a
 *         time in the background, while the load tool (load.ts) sends UNEVEN.cheap requests to `/` at
 *         -c 20 and measures them;
 *   mix   the load tool alone at -c 50: 5% of requests ask `/work?us=20000`, the rest `/`.
 * Every model, nginx with round robin and with least_conn, and with keep-alive least-loaded with
 * --rebalance too. Per run: cheap req/s, the server's CPU per request (every process, over the whole run,
 * divided by the requests its workers served), the cheap requests' p50/p99/p99.9/max overall and per
 * slot, and the split of connections. Rounds are interleaved and figures are medians, as elsewhere.
 *
 * And the master's own cost: where the master accepts (rr, rr-free, rr-pipelined, least-loaded,
 * cluster-rr), every connection crosses it, so one core caps the whole server at 1 / (master CPU per
 * connection) connections a second. ab -c100 on `/`, the master's utime + stime alone from /proc over
 * the load, beside the workers' CPU per request: their ratio is the core count past which adding cores
 * adds nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { modelNames } from '../../lib/models/names';
import { nodeForReusePort } from '../../lib/models/reuseport';
import { MASTER } from '../../lib/os/paths';
import { cpuMicros, cpuMicrosOf } from '../../lib/os/procfs';
import type { ReportEvent } from '../../lib/events';
import { abArgs, hasAb, parseAb } from './ab';
import { runLoad, type ClassLatency, type LoadRun } from './load';
import { startServer, type Server } from './server';

export const UNEVEN = { workers: 4, cheap: 4000, mixRequests: 2000, expensivePath: '/work?us=20000', share: 0.05, busyConcurrency: 20, mixConcurrency: 50 };
export const MASTER_SHARE = { requests: 20_000, concurrency: 100 };
export type Setup = 'busy' | 'mix';

export interface UnevenCell { name: string; args: string[]; setup: Setup; keepAlive: boolean }

export interface UnevenRun extends UnevenCell {
  cheapPerSecond: number;
  cpuMicrosPerRequest: number;
  cheap: ClassLatency;
  expensive: ClassLatency | null;
  failed: number;
  /** Connections per slot, from the master's report. */
  split: number[];
}

/**
 * A model's name and its flags; nginx twice (round robin, least_conn); least-loaded --rebalance with
 * keep-alive; and least-loaded with each of `schedulers` (files, as --scheduler takes them).
 */
export function unevenTargets(keepAlive: boolean, models: readonly string[] = modelNames, schedulers: readonly string[] = []): Array<{ name: string; args: string[] }> {
  const targets = models.filter((model) => model !== 'reuseport' || nodeForReusePort()).map((model) => ({ name: model, args: ['--model', model] }));
  for (const file of schedulers) targets.push({ name: `least-loaded ${path.basename(file)}`, args: ['--model', 'least-loaded', '--scheduler', path.resolve(file)] });
  if (models.includes('nginx')) targets.push({ name: 'nginx least_conn', args: ['--model', 'nginx', '--nginx-balance', 'least-conn'] });
  if (keepAlive && models.includes('least-loaded')) targets.push({ name: 'least-loaded --rebalance', args: ['--model', 'least-loaded', '--rebalance'] });
  return targets;
}

export function unevenCells(models?: readonly string[], schedulers?: readonly string[]): UnevenCell[] {
  return (['busy', 'mix'] as const).flatMap((setup) => [false, true].flatMap((keepAlive) =>
    unevenTargets(keepAlive, models, schedulers).map((target) => ({ ...target, setup, keepAlive }))));
}

function start(args: string[]): Promise<Server> {
  const node = args.includes('reuseport') ? nodeForReusePort()! : process.execPath;
  return startServer(node, MASTER, ['--json', '--port', '0', '--workers', String(UNEVEN.workers), '--idle-timeout', '60000', ...args]);
}

/** wrk burning the workers in the background until `stop()`; stop() resolves once wrk has exited. */
function burner(port: number): { stop(): Promise<void> } {
  const wrk = spawn('wrk', ['-t1', '-c4', '-d600s', '-H', 'Connection: close', `http://127.0.0.1:${port}${UNEVEN.expensivePath}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => wrk.once('exit', () => resolve()));
  return { stop: () => { wrk.kill('SIGINT'); return exited; } };
}

export async function runUneven(cell: UnevenCell): Promise<UnevenRun> {
  const server = await start(cell.args);
  const url = new URL(`http://127.0.0.1:${server.port}/`);
  const cpuBefore = cpuMicrosOf(server.processes());
  const wrk = cell.setup === 'busy' ? burner(server.port) : null;
  let load: LoadRun;
  try {
    load = await runLoad(cell.setup === 'busy'
      ? { url, requests: UNEVEN.cheap, concurrency: UNEVEN.busyConcurrency, keepAlive: cell.keepAlive }
      : { url, requests: UNEVEN.mixRequests, concurrency: UNEVEN.mixConcurrency, keepAlive: cell.keepAlive,
        mix: { fraction: UNEVEN.share, path: UNEVEN.expensivePath } });
  } finally {
    await wrk?.stop();
  }
  const cpu = cpuMicrosOf(server.processes()) - cpuBefore;
  const report: ReportEvent | null = await server.stop();
  return {
    ...cell, cheapPerSecond: load.cheapPerSecond, cpuMicrosPerRequest: cpu / Math.max(1, report?.requests ?? 0), cheap: load.cheap,
    expensive: load.expensive, failed: load.failed, split: report?.slots.map((slot) => slot.connections) ?? [],
  };
}

export interface MasterShareRun { model: string; requestsPerSecond: number; masterMicrosPerConnection: number; workerMicrosPerRequest: number }

/** The models where every connection crosses the master. */
export const MASTER_ACCEPTS = ['rr', 'rr-free', 'rr-pipelined', 'least-loaded', 'cluster-rr'];

/** ab -c100 on `/`: the master's own CPU per connection, and the workers' per request. */
export async function runMasterShare(model: string): Promise<MasterShareRun> {
  const server = await start(['--model', model]);
  const url = `http://127.0.0.1:${server.port}/`;
  const workers = () => server.processes().filter((pid) => pid !== server.pid);
  const before = { master: cpuMicros(server.pid), workers: cpuMicrosOf(workers()) };
  let requestsPerSecond: number;
  if (hasAb()) {
    const [command, ...args] = abArgs(url, MASTER_SHARE.requests, MASTER_SHARE.concurrency, false) as [string, ...string[]];
    requestsPerSecond = parseAb(spawnSync(command, args, { encoding: 'utf8' }).stdout).requestsPerSecond;
  } else {
    requestsPerSecond = (await runLoad({ url: new URL(url), requests: MASTER_SHARE.requests, concurrency: MASTER_SHARE.concurrency, keepAlive: false })).requestsPerSecond;
  }
  const master = cpuMicros(server.pid) - before.master;
  const workerCpu = cpuMicrosOf(workers()) - before.workers;
  const report = await server.stop();
  const connections = Math.max(1, report?.connections ?? 0);
  return { model, requestsPerSecond, masterMicrosPerConnection: master / connections, workerMicrosPerRequest: workerCpu / Math.max(1, report?.requests ?? 0) };
}
