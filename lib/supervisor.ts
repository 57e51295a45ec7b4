/**
 * lib/supervisor.ts — forks the workers, replaces the ones that die, and stops them all.
 *
 * The promise the kit keeps: every process it starts, it stops, whatever kills the master.
 *   - A clean stop drains each worker (it stops accepting, finishes its requests, reports its final
 *     count and exits); one that has not exited by the deadline gets SIGKILL.
 *   - A rolling restart (SIGHUP) replaces the workers one at a time: the new one is serving before the
 *     old one drains, so at no moment is a slot empty.
 *   - If the master dies without a word (SIGKILL, a crash), the kernel closes its end of every IPC
 *     socketpair; each worker's channel sees EOF, Node emits 'disconnect', and the worker exits (see
 *     worker.ts). No process-group tricks needed, and none can be escaped by a worker.
 *   - A worker that dies is forked again at once, or later if it is a crash loop (restart-policy.ts).
 *
 * Words: a *slot* is a position 0..N-1 (a response's `x-slot`); a *worker* is one process that holds a
 * slot. A slot keeps its number through crashes and restarts; its workers come and go.
 */
import { fork, type ChildProcess, type ForkOptions, type StdioOptions } from 'node:child_process';
import { sendOverChannel, type ClientHandle, type SendCallback, type ServerHandle } from './binding';
import { HandleError, WorkersNotReadyError } from './errors';
import type { MasterEvent, WorkerCounts } from './events';
import { parseWorkerMessage, type MasterMessage, type WorkerMessage } from './ipc';
import type { Model, WorkerLink } from './models/model';
import { restartDelay } from './restart-policy';

/** How long all workers have to be ready at start-up; each normally takes well under a second. */
const START_TIMEOUT_MS = 10_000;
/** killAll(): a worker whose channel is closed exits at once; one that has not after this is killed. */
const KILL_AFTER_MS = 1000;

/**
 * Profilers load themselves into the master through NODE_OPTIONS (clinic doctor, bubbleprof) or
 * through the command line (clinic flame's 0x: `--prof -r ...`), and fork() hands both to every worker:
 * a second copy of the profiler in a worker fights the master's over files and fds, and the worker dies.
 * HANDOFF_WORKER_NODE_OPTIONS, when set, makes workers plain: that NODE_OPTIONS, and no inherited
 * execArgv (scripts/profile.ts sets it).
 */
function workerForkOptions(): ForkOptions {
  // stdin is not the workers' to read; stdout and stderr are shared, so their lines reach the terminal.
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
  workerArgv(slot: number): string[];
  model: Model;
  /** How long a draining worker has to finish its requests before it is killed. */
  drainTimeoutMs: number;
  emit(event: MasterEvent): void;
}

class Worker implements WorkerLink {
  /** It said it is serving: listening, or waiting for the connections the master hands it. */
  ready = false;
  exited = false;
  /** Told to drain: it takes nothing new, and its exit is no crash. */
  draining = false;
  readonly startedAt = Date.now();
  readonly exit: Promise<void>;
  readonly serving: Promise<boolean>;
  /** Its latest report; a worker killed without warning keeps the count it last sent. */
  counts = { connections: 0, requests: 0 };
  private markServing: (serving: boolean) => void = () => {};

  constructor(readonly slot: number, readonly child: ChildProcess) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    this.serving = new Promise((resolve) => { this.markServing = resolve; });
    void this.exit.then(() => this.markServing(false));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get accepting(): boolean {
    return !this.exited && !this.draining && this.child.connected;
  }

  becameReady(): void {
    this.ready = true;
    this.markServing(true);
  }

  send(message: MasterMessage, handle: ServerHandle | ClientHandle | null, callback: SendCallback): void {
    if (handle) sendOverChannel(this.child, message, handle, callback);
    else this.child.send(message, callback);
  }
}

export class Supervisor {
  /** The current worker of each slot. */
  private readonly slots: Worker[] = [];
  /** Every worker ever forked, the replaced ones too: the report counts them all. */
  private readonly everyWorker: Worker[] = [];
  private readonly restartDelays: number[] = [];
  private stopping = false;
  private restarting = false;
  private started: { resolve(): void; reject(error: Error): void } | null = null;

  constructor(private readonly options: SupervisorOptions) {}

  /** Forks every worker; resolves once all of them are ready, rejects with the first listen error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.started?.reject(new WorkersNotReadyError(
        `workers not ready within ${START_TIMEOUT_MS} ms (see their messages above)`)), START_TIMEOUT_MS);
      const settle = (action: () => void) => {
        clearTimeout(timer);
        this.started = null;
        action();
      };
      this.started = { resolve: () => settle(resolve), reject: (error) => settle(() => reject(error)) };
      for (let slot = 0; slot < this.options.workers; slot++) {
        this.fork(slot).catch((error: Error) => this.started?.reject(error));
      }
    });
  }

  pids(): number[] {
    return this.slots.map((worker) => worker.pid);
  }

  /** Every worker's latest counts, the exited ones included, in the order they were forked. */
  counts(): WorkerCounts[] {
    return this.everyWorker.map((worker) => ({
      slot: worker.slot, pid: worker.pid, replaced: this.slots[worker.slot] !== worker, ...worker.counts,
    }));
  }

  private async fork(slot: number): Promise<Worker | null> {
    const { model, workerPath } = this.options;
    const argv = this.options.workerArgv(slot);
    const child = model.fork ? await model.fork(workerPath, argv, workerForkOptions()) : fork(workerPath, argv, workerForkOptions());
    if (this.stopping) {
      // Forked while the master was stopping: it never joined, so it goes at once.
      child.kill('SIGKILL');
      return null;
    }
    const worker = new Worker(slot, child);
    this.slots[slot] = worker;
    this.everyWorker.push(worker);
    child.on('message', (raw: unknown) => {
      const message = parseWorkerMessage(raw);
      if (message) this.onMessage(worker, message);
    });
    // An IPC write to a worker that just died fails with EPIPE; its 'exit' is what we act on.
    child.on('error', () => {});
    child.once('exit', (code, signal) => this.onExit(worker, code, signal));
    model.add(worker);
    return worker;
  }

  private allReady(): boolean {
    return this.slots.filter(Boolean).length === this.options.workers && this.slots.every((worker) => worker.ready);
  }

  private onMessage(worker: Worker, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        worker.becameReady();
        if (this.started && this.allReady()) this.started.resolve();
        else if (!this.started && !this.restarting) this.options.emit({ type: 'worker-ready', slot: worker.slot, pid: worker.pid });
        return;
      case 'listen-failed': {
        const error = new HandleError(message.syscall, message.errno, { host: message.host, port: message.port });
        if (this.started) return this.started.reject(error);
        this.options.emit({ type: 'worker-listen-failed', slot: worker.slot, pid: worker.pid, code: error.code });
        worker.child.kill('SIGKILL');
        return;
      }
      case 'accepted':
        this.options.model.accepted?.(worker);
        return;
      case 'stopped-accepting':
        // Node's cluster primary may have sent this worker a connection before it read the worker's
        // server close (lib/internal/cluster/child.js, close(): "a time window"); the worker hands it
        // back with `accepted: false`. That answer must reach the primary before the channel closes, or
        // round_robin_handle.js holds the handle forever and its client times out. Whatever was sent
        // before we read this arrives before our answer, and the worker's replies to it come before
        // its `drained`.
        worker.send({ type: 'nothing-more' }, null, () => {});
        return;
      case 'count':
      case 'drained':
        worker.counts = { connections: message.connections, requests: message.requests };
        // Everything we sent before `drain` has reached it (worker.ts, finishDrain): let it go.
        if (message.type === 'drained' && worker.child.connected) worker.child.disconnect();
        return;
    }
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    worker.exited = true;
    this.options.model.remove(worker);
    const livedMs = Date.now() - worker.startedAt;
    const exited = { type: 'worker-exited', slot: worker.slot, pid: worker.pid, code, signal, livedMs } as const;
    // Not replaced: it was told to go, or it is no longer the slot's worker, or it is a replacement that
    // died before it served during a rolling restart (restart() keeps the old one).
    if (this.stopping || worker.draining || this.slots[worker.slot] !== worker || (this.restarting && !worker.ready)) {
      return this.options.emit({ ...exited, restartInMs: null });
    }
    const delay = restartDelay(this.restartDelays[worker.slot] ?? 0, livedMs, signal);
    this.restartDelays[worker.slot] = delay;
    this.options.emit({ ...exited, restartInMs: delay });
    setTimeout(() => {
      if (this.stopping) return;
      this.fork(worker.slot).catch((error: Error) => this.options.emit({ type: 'warning', message: `could not fork a worker: ${error.message}` }));
    }, delay);
  }

  /**
   * Tells a worker to drain and waits for it to exit; after the drain timeout it is killed. It is no
   * longer `accepting` from this moment, so no model hands it anything new.
   */
  private async drain(worker: Worker): Promise<void> {
    worker.draining = true;
    this.options.model.draining?.(worker);
    worker.send({ type: 'drain' }, null, () => {});
    const deadline = setTimeout(() => {
      this.options.emit({ type: 'drain-timeout', slot: worker.slot, pid: worker.pid, drainTimeoutMs: this.options.drainTimeoutMs });
      worker.child.kill('SIGKILL');
    }, this.options.drainTimeoutMs);
    await worker.exit;
    clearTimeout(deadline);
  }

  /**
   * Rolling restart, like `pm2 reload`: slot by slot, fork the new worker, wait until it serves, then
   * drain the old one. Returns false if a new worker failed to start (the old one then keeps serving).
   */
  async restart(): Promise<boolean> {
    if (this.restarting || this.stopping) return false;
    this.restarting = true;
    this.options.emit({ type: 'restart-started' });
    try {
      for (let slot = 0; slot < this.slots.length && !this.stopping; slot++) {
        const old = this.slots[slot]!;
        const replacement = await this.fork(slot);
        if (!replacement) return false;
        if (!(await replacement.serving)) {
          this.options.emit({ type: 'restart-abandoned', slot, pid: replacement.pid });
          if (!old.exited) this.slots[slot] = old;
          return false;
        }
        this.options.emit({ type: 'restart-step', slot, pid: replacement.pid, draining: old.pid });
        await this.drain(old);
      }
      if (this.stopping) return false;
      this.options.emit({ type: 'restart-done', pids: this.pids() });
      return true;
    } finally {
      this.restarting = false;
    }
  }

  /** Graceful stop: every worker drains at once. Resolves with every worker's final counts. */
  async stop(): Promise<WorkerCounts[]> {
    this.stopping = true;
    // Every worker, not only the current ones: an old one may still be draining from a rolling restart.
    await Promise.all(this.everyWorker.filter((worker) => !worker.exited).map((worker) => this.drain(worker)));
    return this.counts();
  }

  /** Stops every worker without draining: a worker exits at once when its IPC channel closes. */
  async killAll(): Promise<void> {
    this.stopping = true;
    for (const worker of this.everyWorker) if (worker.child.connected) worker.child.disconnect();
    const exited = Promise.all(this.everyWorker.map((worker) => worker.exit));
    const deadline = setTimeout(() => {
      for (const worker of this.everyWorker) if (!worker.exited) worker.child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    await exited;
    clearTimeout(deadline);
  }
}
