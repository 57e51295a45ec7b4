/**
 * lib/supervisor.ts — forks the workers, replaces the ones that die, and stops them all.
 *
 * The promise the kit keeps: every process it starts, it stops, whatever kills the master.
 *   - A clean stop asks each worker for its count, then closes the IPC channels; a worker exits when
 *     its channel closes, and one that has not exited by the deadline gets SIGKILL.
 *   - If the master dies without a word (SIGKILL, a crash), the kernel closes its end of every IPC
 *     socketpair; each worker's channel sees EOF, Node emits 'disconnect', and the worker exits (see
 *     worker.ts). No process-group tricks needed, and none can be escaped by a worker.
 *   - A worker that dies is forked again at once; one that keeps dying within a second of starting is
 *     forked again after a delay that doubles each time, so a crash loop never becomes a fork bomb.
 */
import { fork, type ChildProcess, type ForkOptions, type StdioOptions } from 'node:child_process';
import { HandleError, sendHandle, type ClientHandle, type SendCallback, type ServerHandle } from './binding';
import { parseWorkerMessage, type MasterMessage, type WorkerCount, type WorkerMessage } from './ipc';
import type { WorkerTally } from './report';
import type { Model, WorkerLink } from './models/model';

/** A worker that dies sooner than this after its start counts as a crash loop. */
const STABLE_AFTER_MS = 1000;
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/** How long a worker has to answer a count request at stop time. */
const COUNT_TIMEOUT_MS = 500;
/** How long workers have to exit after their channel closes, before SIGKILL. */
const EXIT_TIMEOUT_MS = 1000;
/** How long all workers have to be ready at start-up; each normally takes well under a second. */
const START_TIMEOUT_MS = 10_000;

export class WorkersNotReadyError extends Error {}

/**
 * Profilers load themselves into the master through NODE_OPTIONS (clinic doctor, bubbleprof) or
 * through the command line (clinic flame's 0x: `--prof -r ...`), and fork() hands both to every worker:
 * a second copy of the profiler in a worker fights the master's over files and fds, and the worker dies.
 * HANDOFF_WORKER_NODE_OPTIONS, when set, makes workers plain: that NODE_OPTIONS, and no inherited
 * execArgv (scripts/profile.ts sets it).
 */
function workerOptions(): ForkOptions {
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];
  const override = process.env.HANDOFF_WORKER_NODE_OPTIONS;
  if (override === undefined) return { stdio };
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: override };
  delete env.HANDOFF_WORKER_NODE_OPTIONS;
  return { stdio, env, execArgv: [] };
}

export interface SupervisorOptions {
  workers: number;
  workerPath: string;
  workerArgv(index: number): string[];
  model: Model;
  log(line: string): void;
}

class WorkerSlot implements WorkerLink {
  /** It said it is serving: listening, or waiting for the connections the master hands it. */
  ready = false;
  exited = false;
  readonly startedAt = Date.now();
  readonly exit: Promise<void>;
  onCount: ((count: WorkerCount) => void) | null = null;

  constructor(readonly index: number, readonly child: ChildProcess) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get alive(): boolean {
    return !this.exited && this.child.connected;
  }

  send(message: MasterMessage, handle: ServerHandle | ClientHandle | null, callback: SendCallback): void {
    if (handle) sendHandle(this.child, message, handle, callback);
    else this.child.send(message, callback);
  }
}

export class Supervisor {
  private readonly slots: WorkerSlot[] = [];
  private readonly restartDelay: number[] = [];
  private stopping = false;
  private started: { resolve(): void; reject(error: Error): void } | null = null;

  constructor(private readonly options: SupervisorOptions) {}

  /** Forks every worker; resolves once all of them are ready, rejects with the first listen error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WorkersNotReadyError(
        `workers not ready within ${START_TIMEOUT_MS} ms (see their messages above)`)), START_TIMEOUT_MS);
      const settle = (action: () => void) => {
        clearTimeout(timer);
        this.started = null;
        action();
      };
      this.started = { resolve: () => settle(resolve), reject: (error) => settle(() => reject(error)) };
      for (let index = 0; index < this.options.workers; index++) this.fork(index);
    });
  }

  pids(): number[] {
    return this.slots.map((slot) => slot.child.pid ?? 0);
  }

  private fork(index: number): void {
    // stdin is not the workers' to read; stdout and stderr are shared, so their lines reach the terminal.
    const { model, workerPath } = this.options;
    const argv = this.options.workerArgv(index);
    const child = model.fork ? model.fork(workerPath, argv) : fork(workerPath, argv, workerOptions());
    const slot = new WorkerSlot(index, child);
    this.slots[index] = slot;
    child.on('message', (raw: unknown) => {
      const message = parseWorkerMessage(raw);
      if (message) this.onMessage(slot, message);
    });
    // An IPC write to a worker that just died fails with EPIPE; its 'exit' is what we act on.
    child.on('error', () => {});
    child.once('exit', (code, signal) => this.onExit(slot, code, signal));
    model.add(slot);
  }

  private onMessage(slot: WorkerSlot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        if (this.started && this.slots.every((each) => each.ready)) {
          this.started.resolve();
        } else if (!this.started) {
          this.options.log(`worker ${slot.index} (pid ${slot.child.pid}) is ready`);
        }
        return;
      case 'listen-failed': {
        const error = new HandleError(message.syscall, message.errno);
        error.port = message.port;
        if (this.started) return this.started.reject(error);
        this.options.log(`worker ${slot.index} (pid ${slot.child.pid}) could not listen: ${error.code}`);
        slot.child.kill('SIGKILL');
        return;
      }
      case 'accepted':
        this.options.model.accepted?.(slot);
        return;
      case 'count':
        slot.onCount?.(message);
        return;
    }
  }

  private onExit(slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null): void {
    slot.exited = true;
    this.options.model.remove(slot);
    slot.onCount?.({ type: 'count', connections: 0, requests: 0, acceptErrors: 0 });
    if (this.stopping || this.slots[slot.index] !== slot) return;
    const lived = Date.now() - slot.startedAt;
    const previous = this.restartDelay[slot.index] ?? 0;
    const delay = lived >= STABLE_AFTER_MS ? 0 : Math.min(MAX_RESTART_DELAY_MS, previous * 2 || FIRST_RESTART_DELAY_MS);
    this.restartDelay[slot.index] = delay;
    this.options.log(`worker ${slot.index} (pid ${slot.child.pid}) exited with ` +
      `${signal ? `signal ${signal}` : `code ${code}`}; forking a replacement` + (delay ? ` in ${delay} ms` : ''));
    setTimeout(() => {
      if (!this.stopping) this.fork(slot.index);
    }, delay);
  }

  /** Asks every live worker for its count, then stops them all. Resolves once every worker has exited. */
  async stop(): Promise<WorkerTally[]> {
    this.stopping = true;
    const live = this.slots.filter((slot) => slot.alive);
    const counts = await Promise.all(live.map((slot) => this.requestCount(slot)));
    await this.killAll();
    return live.map((slot, position) => ({ index: slot.index, pid: slot.child.pid ?? 0, ...counts[position]! }));
  }

  /** Stops every worker without asking for counts: a worker exits when its IPC channel closes. */
  async killAll(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) if (slot.child.connected) slot.child.disconnect();
    const exited = Promise.all(this.slots.map((slot) => slot.exit));
    const deadline = setTimeout(() => {
      for (const slot of this.slots) if (!slot.exited) slot.child.kill('SIGKILL');
    }, EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(deadline);
  }

  private requestCount(slot: WorkerSlot): Promise<Omit<WorkerCount, 'type'>> {
    return new Promise((resolve) => {
      const none = { connections: 0, requests: 0, acceptErrors: 0 };
      const timer = setTimeout(() => resolve(none), COUNT_TIMEOUT_MS);
      slot.onCount = ({ connections, requests, acceptErrors }) => {
        clearTimeout(timer);
        slot.onCount = null;
        resolve({ connections, requests, acceptErrors });
      };
      slot.send({ type: 'report' }, null, () => {});
    });
  }
}
