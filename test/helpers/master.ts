/**
 * Runs `node master.js` as a user would, reads what it says, and guarantees teardown: the master and
 * every worker it ever forked (found in /proc by their --master-pid argument) are stopped when the test
 * ends, and their coverage is handed to tap (coverage.ts).
 *
 * By default the master runs with --json and the tests read its events (lib/events.ts), as the
 * benchmark does; `json: false` runs it as a person would, for the tests of what a person reads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseEvent, type MasterEvent, type MasterEventType, type ReportEvent } from '../../lib/events';
import { nodeForReusePort } from '../../lib/models/reuseport';
import { MASTER } from '../../lib/os/paths';
import { isRunning, workerPids } from '../../lib/os/procfs';
import { collectCoverage, coverageDir } from './coverage';
import { EVENT_MS, STARTUP_MS, until, within } from './wait';

interface Teardown { teardown(fn: () => unknown): void }

export interface Stopped {
  code: number | null;
  /** The report event (--json), or null (a master that failed, or one run without --json). */
  report: ReportEvent | null;
  /** pid → connections: from the report event, or from the article's lines (`worker <pid> got <n> connections`). */
  connections: Map<number, number>;
  stdout: string[];
  stderr: string[];
}

type EventOf<T extends MasterEventType> = Extract<MasterEvent, { type: T }>;

export class RunningMaster {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly events: MasterEvent[] = [];
  readonly exited: Promise<number | null>;
  /** Called with every event as it arrives, for tests that time them. */
  readonly eventListeners: Array<(event: MasterEvent) => void> = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    for (const [stream, lines] of [[child.stdout!, this.stdout], [child.stderr!, this.stderr]] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        const event = stream === child.stdout ? parseEvent(line) : null;
        if (event) {
          this.events.push(event);
          for (const listener of this.eventListeners) listener(event);
        }
        for (const waiter of [...this.waiters]) waiter();
      });
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  private waitFor<T>(find: () => T | undefined, what: string, ms: number): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    let waiter: () => void = () => {};
    const arrived = new Promise<T>((resolve, reject) => {
      waiter = () => {
        const match = find();
        if (match !== undefined) resolve(match);
      };
      void this.exited.then(() => setImmediate(() => {
        const match = find();
        if (match !== undefined) resolve(match);
        else reject(new Error(`the master exited before ${what}: ${this.stderr.slice(-5).join(' | ')}`));
      }));
    });
    this.waiters.add(waiter);
    return within(arrived, ms, what).finally(() => this.waiters.delete(waiter));
  }

  /** The first line (on stdout or stderr, already printed or still to come) that matches. */
  waitForLine(pattern: RegExp, what = `a line matching ${pattern}`, ms = EVENT_MS): Promise<RegExpMatchArray> {
    return this.waitFor(() => {
      for (const line of [...this.stdout, ...this.stderr]) {
        const match = line.match(pattern);
        if (match) return match;
      }
      return undefined;
    }, what, ms);
  }

  /** The first event of this type (already said or still to come) for which `matches` holds. */
  waitForEvent<T extends MasterEventType>(type: T, matches: (event: EventOf<T>) => boolean = () => true,
    what = `a ${type} event`, ms = EVENT_MS): Promise<EventOf<T>> {
    return this.waitFor(() => this.events.find((event): event is EventOf<T> => event.type === type && matches(event as EventOf<T>)), what, ms);
  }

  /** Sends a signal and reads what the master said before it exited. */
  async stop(signal: NodeJS.Signals = 'SIGINT', ms = EVENT_MS): Promise<Stopped> {
    this.child.kill(signal);
    const code = await within(this.exited, ms, `the master to exit after ${signal}`);
    const report = this.events.find((event): event is ReportEvent => event.type === 'report') ?? null;
    const connections = new Map<number, number>();
    if (report) for (const worker of report.workers) connections.set(worker.pid, worker.connections);
    for (const line of this.stdout) {
      const match = /^worker (\d+) got (\d+) connections(?: \(replaced\))?$/.exec(line);
      if (match) connections.set(Number(match[1]), Number(match[2]));
    }
    return { code, report, connections, stdout: this.stdout, stderr: this.stderr };
  }
}

export interface MasterOptions {
  node?: string;
  /** Runs before node and execs it, keeping the pid: `prlimit --nofile=64`, say. */
  wrapper?: string[];
  env?: Record<string, string>;
  /** --json (the default): read events; false: read the sentences a person reads. */
  json?: boolean;
}

export interface Started {
  master: RunningMaster;
  port: number;
  /** Worker pids, by slot (x-slot). */
  pids: number[];
  listening: EventOf<'listening'>;
}

/** Starts a master (--json, `--port 0` unless the args name a port); resolves once all its workers serve. */
export async function startMaster(t: Teardown, args: string[] = [], options: MasterOptions = {}): Promise<Started> {
  const master = spawnMaster(t, args.includes('--port') ? args : ['--port', '0', ...args], { ...options, json: true });
  const listening = await master.waitForEvent('listening', () => true, 'the master to say it is listening', STARTUP_MS);
  return { master, port: Number(new URL(listening.url).port), pids: listening.pids, listening };
}

/**
 * Starts a program the way a user's shell would. tap's process tracker (@tapjs/processinfo) adds its
 * loader to NODE_OPTIONS of every process a test spawns, and it would load into every worker too, where
 * it breaks Node's cluster handshake; `env -u` drops it after tap has added it. The process's coverage
 * is taken with NODE_V8_COVERAGE instead (coverage.ts), collected by the caller's teardown.
 * `setpriv --pdeathsig SIGTERM` makes the kernel stop the program if the test process dies before its
 * teardown runs (a tap timeout, a Ctrl-C): no master outlives its test, and its workers follow it.
 */
export function spawnAsUser(t: Teardown, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const coverage = coverageDir();
  const settings = Object.entries({ ...env, ...(coverage ? { NODE_V8_COVERAGE: coverage } : {}) }).map(([name, value]) => `${name}=${value}`);
  const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'env', '-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE',
    ...settings, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => collectCoverage(coverage));
  return child;
}

export function spawnMaster(t: Teardown, args: string[], options: MasterOptions = {}): RunningMaster {
  const { node = process.execPath, wrapper = [], env = {}, json = false } = options;
  const [program, ...programArgs] = [...wrapper, node, MASTER, ...(json ? ['--json'] : []), ...args] as [string, ...string[]];
  const child = spawnAsUser(t, program, programArgs, env);
  const master = new RunningMaster(child);
  // Registered after spawnAsUser's: tap runs teardowns last-in first-out, so the processes are stopped
  // (and have written their coverage) before it is collected.
  t.teardown(async () => {
    // SIGTERM first, so the master can stop what it started (nginx and its temporary directory);
    // SIGKILL if it has not exited in time.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await master.exited;
      clearTimeout(killer);
    }
    const left = workerPids(child.pid!);
    left.forEach(killQuietly);
    await until(() => !left.some(isRunning), EVENT_MS, `workers ${left.join(' ')} to exit after SIGKILL`);
  });
  return master;
}

/** Live processes whose command line says they are workers of this master. */
export const workersOf = workerPids;

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The Node binary to run a model with: this one, except for reuseport on a Node without
 * `listen({ reusePort })`, where it is $HANDOFF_REUSEPORT_NODE (set by .ci/run) if that is new enough;
 * null if there is none, and the test skips.
 */
export function modelNode(model: string): string | null {
  return model === 'reuseport' ? nodeForReusePort() : process.execPath;
}
