/**
 * Runs `node master.js` as a user would, reads what it prints, and guarantees teardown: the master and
 * every worker it ever forked (found in /proc by their --master-pid argument) are killed when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { nodeForReusePort } from '../../lib/models/reuseport';
import { workerPids } from '../../lib/procfs';

export const ROOT = path.resolve(__dirname, '..', '..');

interface Teardown { teardown(fn: () => unknown): void }

export interface Report {
  code: number | null;
  /** pid → connections, from the article's lines. */
  connections: Map<number, number>;
  stdout: string[];
  stderr: string[];
}

export class RunningMaster {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private readonly waiters: Array<{ pattern: RegExp; resolve(match: RegExpMatchArray): void }> = [];
  readonly exited: Promise<number | null>;
  /** Called with every line as it arrives, for tests that time events. */
  readonly lineListeners: Array<(line: string) => void> = [];

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    for (const [stream, lines] of [[child.stdout!, this.stdout], [child.stderr!, this.stderr]] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        for (const listener of this.lineListeners) listener(line);
        for (const waiter of [...this.waiters]) {
          const match = line.match(waiter.pattern);
          if (match) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(match);
          }
        }
      });
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first line (already printed or still to come) that matches. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray> {
    for (const line of [...this.stdout, ...this.stderr]) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  /** Sends a signal and parses what the master printed before it exited. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<Report> {
    this.child.kill(signal);
    const code = await this.exited;
    const connections = new Map<number, number>();
    for (const line of this.stdout) {
      const match = /^worker (\d+) got (\d+) connections$/.exec(line);
      if (match) connections.set(Number(match[1]), Number(match[2]));
    }
    return { code, connections, stdout: this.stdout, stderr: this.stderr };
  }
}

export interface Started {
  master: RunningMaster;
  port: number;
  /** Worker pids, by worker index (x-worker). */
  pids: number[];
}

/** Starts a master; resolves once all its workers listen. `--port 0` unless the args name a port. */
export async function startMaster(t: Teardown, args: string[] = [], nodePath = process.execPath,
  wrapper: string[] = []): Promise<Started> {
  const master = spawnMaster(t, args.includes('--port') ? args : ['--port', '0', ...args], nodePath, {}, wrapper);
  const ready = master.waitForLine(/^handoff: \d+ workers listening on http:\/\/[^:]+:(\d+)\//);
  const failed = master.exited.then((code) => {
    throw new Error(`master exited (${code}) before listening: ${master.stderr.join('\n')}`);
  });
  const [, port] = await Promise.race([ready, failed]);
  const [, pids] = await master.waitForLine(/^handoff: worker pids ([\d ]+) /);
  return { master, port: Number(port), pids: pids!.split(' ').map(Number) };
}

/**
 * Starts a program the way a user's shell would. tap's process tracker (@tapjs/processinfo) adds its
 * loader to NODE_OPTIONS of every process a test spawns, and it would load into every worker too, where
 * it breaks Node's cluster handshake. `env -u` drops it after tap has added it.
 * `setpriv --pdeathsig SIGTERM` makes the kernel stop the program if the test process dies before its
 * teardown runs (a tap timeout, a Ctrl-C): no master outlives its test, and its workers follow it.
 */
export function spawnAsUser(nodePath: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const settings = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'env', '-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE',
    ...settings, nodePath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `wrapper` runs before node and execs it, keeping the pid: `prlimit --nofile=64`, say. */
export function spawnMaster(t: Teardown, args: string[], nodePath = process.execPath, env: Record<string, string> = {},
  wrapper: string[] = []): RunningMaster {
  const [program, ...programArgs] = [...wrapper, nodePath, path.join(ROOT, 'master.js'), ...args] as [string, ...string[]];
  const child = spawnAsUser(program, programArgs, env);
  const master = new RunningMaster(child);
  t.teardown(async () => {
    const pid = child.pid!;
    // SIGTERM first, so the master can stop what it started (nginx and its temporary directory);
    // SIGKILL if it has not exited in time.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await master.exited;
      clearTimeout(killer);
    }
    for (const worker of workersOf(pid)) killQuietly(worker);
  });
  return master;
}

/** Live processes whose command line says they are workers of this master. */
export const workersOf = workerPids;

export function isAlive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); /proc/<pid>/stat says 'Z'.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Waits until no pid in the list is alive, checking every `everyMs`; resolves with the time it took,
 * or rejects after `limitMs`. There is no event for the death of a process that is not our child.
 */
export async function waitForExit(pids: number[], limitMs: number, everyMs = 10): Promise<number> {
  const started = Date.now();
  while (pids.some(isAlive)) {
    if (Date.now() - started > limitMs) throw new Error(`still alive after ${limitMs} ms: ${pids.filter(isAlive)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Date.now() - started;
}

/**
 * The Node binary to run a model with: this one, except for reuseport on a Node without
 * `listen({ reusePort })`, where it is $HANDOFF_NODE24 (set by .ci/run) if that is new enough; null if
 * there is none, and the test skips.
 */
export function modelNode(model: string): string | null {
  return model === 'reuseport' ? nodeForReusePort() : process.execPath;
}
