/**
 * lib/bench.ts — one benchmark cell: start a server, load it, stop it, and keep every number.
 *
 * A target is one of the kit's models (`node master.js --model M`), or a baseline from outside the kit:
 * `nginx-return-200` (nginx answering by itself: the ceiling for one connection per request on this
 * machine) and `cluster-http` (Node's cluster with the http module: what most users would write). The
 * load comes from ab when installed, else the built-in tool, run under the herd meter (lib/herd.ts) so
 * every cell also says how often our processes were woken and how many accepts failed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { abArgs, parseAb, type ClientRun } from './ab';
import { underHerdMeter, type HerdRun, type ProcessCounts } from './herd';
import { BODY } from './http';
import { nginxConfigFile, NginxProcess } from './nginx-process';
import { nodeForReusePort } from './models/reuseport';
import { freePorts } from './ports';
import { describeDistribution } from './stats';

const ROOT = path.resolve(__dirname, '..');

export interface Cell {
  target: string;
  workers: number;
  concurrency: number;
  keepAlive: boolean;
}

export interface CellRun extends Cell {
  requests: number;
  client: ClientRun;
  /** Connections each worker reported (kit models only). */
  counts: number[] | null;
  jain: number | null;
  maxMin: number | null;
  wakeupsPerConnection: number | null;
  failedAcceptsPerConnection: number | null;
  /** The herd meter's counts for each process: the master first, then the workers in slot order. */
  processes: ProcessCounts[];
}

export interface Server {
  port: number;
  /** The processes the herd meter watches: the master and the workers. */
  pids: number[];
  /** Stops the server; resolves with what it printed on stdout. */
  stop(): Promise<string>;
}

/**
 * Spawns master.js (or the cluster-http baseline) and waits for the line that gives the port and, for
 * master.js, the pids. Its log lines (stderr) go to `onLogLine` if given, else to our stderr.
 */
export async function startServer(node: string, argv: string[], onLogLine?: (line: string) => void): Promise<Server> {
  const child = spawn(node, argv, { stdio: ['ignore', 'pipe', onLogLine ? 'pipe' : 'inherit'] });
  if (onLogLine) createInterface({ input: child.stderr! }).on('line', onLogLine);
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGINT');
    await exited;
    return lines.join('\n');
  };
  const ready = new Promise<Server>((resolve, reject) => {
    let port = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      port ||= Number(/listening on http:\/\/[^:]+:(\d+)\//.exec(line)?.[1] ?? 0);
      const pids = /^handoff: worker pids ([\d ]+) /.exec(line)?.[1];
      if (pids) resolve({ port, pids: [child.pid!, ...pids.split(' ').map(Number)], stop });
      else if (port && line.startsWith('cluster-http')) resolve({ port, pids: [child.pid!], stop });
    });
    void exited.then(() => reject(new Error(`${argv.join(' ')} exited before listening`)));
  });
  return ready;
}

async function startTarget(cell: Cell, node: string): Promise<Server> {
  if (cell.target === 'nginx-return-200') {
    const port = await freePorts('127.0.0.1', 0, 1);
    const nginx = await NginxProcess.start('127.0.0.1', port, (prefix) => nginxConfigFile(prefix, 'auto', `    server {
        listen 127.0.0.1:${port} backlog=511;
        location / { default_type text/plain; return 200 '${BODY}'; }
    }
`));
    return { port, pids: [], stop: async () => { await nginx.close(); return ''; } };
  }
  if (cell.target === 'cluster-http') {
    return startServer(node, [path.join(ROOT, 'scripts', 'cluster-http.js'), '--workers', String(cell.workers)]);
  }
  return startServer(node, [path.join(ROOT, 'master.js'), '--model', cell.target, '--workers', String(cell.workers), '--port', '0']);
}

function loadCommand(useAb: boolean, url: string, requests: number, cell: Cell): string[] {
  if (useAb) return abArgs(url, requests, cell.concurrency, cell.keepAlive);
  return [process.execPath, path.join(ROOT, 'scripts', 'load.js'), '--json', '-n', String(requests),
    '-c', String(cell.concurrency), ...(cell.keepAlive ? ['-k'] : []), url];
}

function parseBuiltIn(output: string): ClientRun {
  const run = JSON.parse(output) as { requests: number; requestsPerSecond: number; latencyMs: { p99: number }; failures: Record<string, number> };
  const failed = Object.values(run.failures).reduce((sum, count) => sum + count, 0);
  return { complete: run.requests, failed, requestsPerSecond: run.requestsPerSecond, p99Ms: run.latencyMs.p99 };
}

/** The Node to run a target with: reuseport needs >= 22.12 (lib/models/reuseport.ts); null if there is none. */
export function nodeForTarget(target: string): string | null {
  return target === 'reuseport' ? nodeForReusePort() : process.execPath;
}

export async function runCell(cell: Cell, requests: number, node: string, useAb: boolean): Promise<CellRun> {
  const server = await startTarget(cell, node);
  const url = `http://127.0.0.1:${server.port}/`;
  let herd: HerdRun;
  try {
    herd = await underHerdMeter(server.pids, loadCommand(useAb, url, requests, cell));
  } catch (error) {
    await server.stop();
    throw error;
  }
  const report = await server.stop();
  const client = useAb ? parseAb(herd.output) : parseBuiltIn(herd.output);
  const counts = [...report.matchAll(/^worker \d+ got (\d+) connections$/gm)].map((match) => Number(match[1]));
  const connections = counts.reduce((sum, count) => sum + count, 0);
  const measured = counts.length > 0 && connections > 0;
  const distribution = measured ? describeDistribution(counts) : null;
  const sum = (pick: (counts: { wakeups: number; failedAccepts: number | null }) => number | null) =>
    herd.counts.reduce((total, each) => total + (pick(each) ?? 0), 0);
  const perfCounted = herd.counts.length > 0 && herd.counts[0]!.failedAccepts !== null;
  return {
    ...cell, requests, client,
    counts: measured ? counts : null,
    jain: distribution?.jain ?? null,
    maxMin: distribution ? distribution.maxMinRatio : null,
    wakeupsPerConnection: measured ? sum((each) => each.wakeups) / connections : null,
    failedAcceptsPerConnection: measured && perfCounted ? sum((each) => each.failedAccepts) / connections : null,
    processes: herd.counts,
  };
}
