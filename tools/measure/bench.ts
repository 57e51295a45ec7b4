/**
 * tools/measure/bench.ts — one benchmark cell: start a server, load it, stop it, and keep every number.
 *
 * A target is one of the kit's models on one transport (`node master.js --model M --transport T`), or
 * a baseline from outside the kit: `nginx-return-200` (nginx answering by itself: the ceiling for one
 * connection per request on this machine), `article` (the article's own master and worker, backlog
 * 511: bench/article/) and `cluster-http` (Node's cluster with the http module: what most users would
 * write). The load comes from ab when installed, else the built-in tool, run under the herd meter
 * (herd.ts), so every cell also says how often our processes were woken and how many accepts failed.
 *
 * CPU per request is the server's own cost, the figure that moves least on a shared machine: utime +
 * stime of every process of the server (its whole process tree: master, workers, nginx's workers),
 * read from /proc just before and just after the load, divided by the requests completed. A run that
 * also counts failed accept4() calls (`perf`) cannot give it: tracing a syscall sends every syscall of the
 * traced processes through the kernel's slow path, which costs them CPU that nginx, untraced, does not
 * pay. So a cell is measured either for CPU or for failed accepts, never both.
 */
import path from 'node:path';
import type { TransportName } from '../../lib/http/transports';
import { BODY } from '../../lib/http/responses';
import { nodeForReusePort } from '../../lib/models/reuseport';
import { nginxConfigFile, NginxProcess } from '../../lib/os/nginx-process';
import { compiled, MASTER, ROOT } from '../../lib/os/paths';
import { freePorts } from '../../lib/os/ports';
import { cpuMicrosOf, processTree } from '../../lib/os/procfs';
import { describeDistribution, sum } from '../../lib/report/stats';
import { abArgs, parseAb, type ClientRun } from './ab';
import { underHerdMeter, type ProcessCounts } from './herd';
import { startServer, type Server } from './server';

export const BASELINES = ['nginx-return-200', 'article', 'cluster-http'] as const;

export interface Cell {
  target: string;
  /** The kit's models only: how the workers read and write (lib/http/transport.ts). */
  transport: TransportName | null;
  workers: number;
  concurrency: number;
  keepAlive: boolean;
}

export interface CellRun extends Cell {
  requests: number;
  client: ClientRun;
  /** Connections each slot reported (kit models only). */
  counts: number[] | null;
  jain: number | null;
  maxMin: number | null;
  wakeupsPerConnection: number | null;
  failedAcceptsPerConnection: number | null;
  /** The herd meter's counts for each process: the master first, then the workers in slot order. */
  processes: ProcessCounts[];
  /** µs of CPU (user + system, every process of the server) per completed request. */
  cpuMicrosPerRequest: number | null;
  /** The Node version the target ran on (`node -v`), filled in by whoever knows it. */
  node?: string;
}

/** A cell's name in tables: `shared`, `shared/socket`, `article`. */
export function cellName(cell: Pick<Cell, 'target' | 'transport'>): string {
  return cell.transport && cell.transport !== 'raw' ? `${cell.target}/${cell.transport}` : cell.target;
}

/** The Node to run a target with: reuseport needs >= 22.12 (lib/models/reuseport.ts); null if there is none. */
export function nodeForTarget(target: string): string | null {
  return target === 'reuseport' ? nodeForReusePort() : process.execPath;
}

async function startTarget(cell: Cell, node: string): Promise<Server> {
  const workers = String(cell.workers);
  if (cell.target === 'nginx-return-200') {
    const port = await freePorts('127.0.0.1', 0, 1);
    const nginx = await NginxProcess.start('127.0.0.1', port, (prefix) => nginxConfigFile(prefix, 'auto', `    server {
        listen 127.0.0.1:${port} backlog=511;
        location / { default_type text/plain; return 200 '${BODY}'; }
    }
`));
    return { port, pid: nginx.pid, pids: [], processes: () => processTree(nginx.pid), stop: async () => { await nginx.close(); return null; } };
  }
  if (cell.target === 'cluster-http') return startServer(node, compiled('scripts/cluster-http'), ['--workers', workers]);
  if (cell.target === 'article') return startServer(node, path.join(ROOT, 'bench', 'article', 'master.js'), ['--workers', workers, '--port', '0']);
  return startServer(node, MASTER, ['--json', '--model', cell.target, '--transport', cell.transport ?? 'raw', '--workers', workers, '--port', '0']);
}

function loadCommand(useAb: boolean, url: string, requests: number, cell: Cell): string[] {
  if (useAb) return abArgs(url, requests, cell.concurrency, cell.keepAlive);
  return [process.execPath, compiled('scripts/load'), '--json', '-n', String(requests),
    '-c', String(cell.concurrency), ...(cell.keepAlive ? ['-k'] : []), url];
}

function parseBuiltIn(output: string): ClientRun {
  const run = JSON.parse(output) as { requests: number; requestsPerSecond: number; latencyMs: { p99: number }; failed: number };
  return { complete: run.requests - run.failed, failed: run.failed, requestsPerSecond: run.requestsPerSecond, p99Ms: run.latencyMs.p99 };
}

export async function runCell(cell: Cell, requests: number, node: string, useAb: boolean, countFailedAccepts = false): Promise<CellRun> {
  const server = await startTarget(cell, node);
  const url = `http://127.0.0.1:${server.port}/`;
  const processes = server.processes();
  const cpuBefore = cpuMicrosOf(processes);
  const herd = await underHerdMeter(server.pids, loadCommand(useAb, url, requests, cell), countFailedAccepts).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const cpu = cpuMicrosOf(processes) - cpuBefore;
  const report = await server.stop();
  const client = useAb ? parseAb(herd.output) : parseBuiltIn(herd.output);
  const counts = report ? report.slots.map((slot) => slot.connections) : null;
  const connections = report?.connections ?? 0;
  const distribution = counts && connections > 0 ? describeDistribution(counts) : null;
  const perfCounted = herd.counts.length > 0 && herd.counts[0]!.failedAccepts !== null;
  return {
    ...cell, requests, client,
    counts: distribution ? counts : null,
    jain: distribution?.jain ?? null,
    maxMin: distribution ? distribution.maxMinRatio : null,
    wakeupsPerConnection: distribution ? sum(herd.counts.map((each) => each.wakeups)) / connections : null,
    failedAcceptsPerConnection: distribution && perfCounted ? sum(herd.counts.map((each) => each.failedAccepts ?? 0)) / connections : null,
    processes: herd.counts,
    cpuMicrosPerRequest: client.complete > 0 && !countFailedAccepts ? cpu / client.complete : null,
  };
}
