/**
 * tools/measure/server.ts — a server to measure: started, known by its processes and its port, stopped.
 *
 * The kit's master runs with --json, so everything it says arrives as events (lib/events.ts): the
 * `listening` event gives the URL and the workers' pids, the `report` event the final counts, and the
 * rest (a worker exited, a restart is done) goes to whoever asked. The Node baselines (the article's
 * code, cluster + http) announce themselves with the same `listening` event.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseEvent, type MasterEvent, type ReportEvent } from '../../lib/events';
import { processTree } from '../../lib/os/procfs';

export interface Server {
  port: number;
  /** The process that started it all: the master, or nginx. */
  pid: number;
  /** The master and its workers at start-up (what the herd meter watches); [] for nginx. */
  pids: number[];
  /** Every process of the server now: the root and everything below it (workers, nginx's workers). */
  processes(): number[];
  /** Stops it gracefully (SIGINT); resolves with its report, or null for a program that makes none. */
  stop(): Promise<ReportEvent | null>;
}

/**
 * Spawns `node <script> [args]`, a program that prints a `listening` event on stdout (master.js with
 * --json, or a baseline), and resolves once it has. Its other events go to `onEvent`; its stderr is ours.
 */
export function startServer(node: string, script: string, args: string[], onEvent?: (event: MasterEvent) => void): Promise<Server> {
  const child = spawn(node, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let report: ReportEvent | null = null;
  let failure = '';
  const stop = async () => {
    child.kill('SIGINT');
    await exited;
    return report;
  };
  return new Promise<Server>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = parseEvent(line);
      if (!event) return;
      onEvent?.(event);
      if (event.type === 'report') report = event;
      if (event.type === 'error') failure = event.message;
      if (event.type !== 'listening') return;
      const port = Number(new URL(event.url).port);
      resolve({ port, pid: child.pid!, pids: [child.pid!, ...event.pids], processes: () => processTree(child.pid!), stop });
    });
    void exited.then(() => reject(new Error(`${[script, ...args].join(' ')} exited before listening${failure ? `: ${failure}` : ''}`)));
  });
}
