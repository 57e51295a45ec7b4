/**
 * lib/supervisor.ts — forks the workers, replaces the ones that die, and stops them all.
 *
 * The promise the kit keeps: every process it starts, it stops, whatever kills the master.
 *   - A clean stop drains each worker (it stops accepting, finishes its requests, reports its final
 *     count and exits); one that has not exited by the deadline gets SIGKILL.
 *   - A rolling restart (SIGHUP) replaces the workers one at a time: the new one is serving before the
 *     old one drains, so at no moment is a worker slot empty.
 *   - If the master dies without a word (SIGKILL, a crash), the kernel closes its end of every IPC
 *     socketpair; each worker's channel sees EOF, Node emits 'disconnect', and the worker exits (see
 *     worker.ts). No process-group tricks needed, and none can be escaped by a worker.
 *   - A worker that dies is forked again at once; one that keeps dying by itself within a second of
 *     starting is forked again after a delay that doubles each time, so a crash loop never becomes a
 *     fork bomb.
 */
import { fork, type ChildProcess, type ForkOptions, type StdioOptions } from 'node:child_process';
import { HandleError, sendHandle, type ClientHandle, type SendCallback, type ServerHandle } from './binding';
import { parseWorkerMessage, type MasterMessage, type WorkerMessage } from './ipc';
import type { WorkerTally } from './report';
import type { Model, WorkerLink } from './models/model';

/** A worker that dies sooner than this after its start counts as a crash loop. */
const STABLE_AFTER_MS = 1000;
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
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
  /** How long a draining worker has to finish its requests before it is killed. */
  drainTimeoutMs: number;
  log(line: string): void;
}

class WorkerSlot implements WorkerLink {
  /** It said it is serving: listening, or waiting for the connections the master hands it. */
  ready = false;
  exited = false;
  /** Told to drain: it takes nothing new, and its exit is no crash. */
  draining = false;
  readonly startedAt = Date.now();
  readonly exit: Promise<void>;
  readonly serving: Promise<boolean>;
  /** Its latest report; a worker killed without warning keeps the count it last sent. */
  tally = { connections: 0, requests: 0, acceptErrors: 0 };
  private markServing: (serving: boolean) => void = () => {};

  constructor(readonly index: number, readonly child: ChildProcess) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    this.serving = new Promise((resolve) => { this.markServing = resolve; });
    void this.exit.then(() => this.markServing(false));
  }

  get alive(): boolean {
    return !this.exited && !this.draining && this.child.connected;
  }

  becameReady(): void {
    this.ready = true;
    this.markServing(true);
  }

  send(message: MasterMessage, handle: ServerHandle | ClientHandle | null, callback: SendCallback): void {
    if (handle) sendHandle(this.child, message, handle, callback);
    else this.child.send(message, callback);
  }

  toTally(replaced: boolean): WorkerTally {
    return { index: this.index, pid: this.child.pid ?? 0, replaced, ...this.tally };
  }
}

export class Supervisor {
  /** The current worker of each slot. */
  private readonly slots: WorkerSlot[] = [];
  /** Every worker ever forked, the replaced ones too: the report counts them all. */
  private readonly everyWorker: WorkerSlot[] = [];
  private readonly restartDelay: number[] = [];
  private stopping = false;
  private restarting = false;
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

  /** Every worker's latest count, the exited ones included. */
  tallies(): WorkerTally[] {
    return this.everyWorker.map((slot) => slot.toTally(this.slots[slot.index] !== slot));
  }

  private fork(index: number): WorkerSlot {
    // stdin is not the workers' to read; stdout and stderr are shared, so their lines reach the terminal.
    const { model, workerPath } = this.options;
    const argv = this.options.workerArgv(index);
    const child = model.fork ? model.fork(workerPath, argv) : fork(workerPath, argv, workerOptions());
    const slot = new WorkerSlot(index, child);
    this.slots[index] = slot;
    this.everyWorker.push(slot);
    child.on('message', (raw: unknown) => {
      const message = parseWorkerMessage(raw);
      if (message) this.onMessage(slot, message);
    });
    // An IPC write to a worker that just died fails with EPIPE; its 'exit' is what we act on.
    child.on('error', () => {});
    child.once('exit', (code, signal) => this.onExit(slot, code, signal));
    model.add(slot);
    return slot;
  }

  private onMessage(slot: WorkerSlot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        slot.becameReady();
        if (this.started && this.slots.every((each) => each.ready)) this.started.resolve();
        else if (!this.started && !this.restarting) this.options.log(`worker ${slot.index} (pid ${slot.child.pid}) is ready`);
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
      case 'drained':
        slot.tally = { connections: message.connections, requests: message.requests, acceptErrors: message.acceptErrors };
        // Everything we sent before `drain` has reached it (worker.ts, finishDrain): let it go.
        if (message.type === 'drained' && slot.child.connected) slot.child.disconnect();
        return;
    }
  }

  private onExit(slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null): void {
    slot.exited = true;
    this.options.model.remove(slot);
    if (this.stopping || slot.draining || this.slots[slot.index] !== slot) return;
    // A replacement that died before it served, during a rolling restart: restart() keeps the old one.
    if (this.restarting && !slot.ready) return;
    // A crash loop is a worker that keeps dying young by itself: an exit code, or a signal of its own
    // making (SIGSEGV, SIGABRT). One killed from outside (kill -9, the OOM killer, the chaos run) is
    // replaced at once, however young: that is not a loop it can fall into by itself.
    const lived = Date.now() - slot.startedAt;
    const killedFromOutside = signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT';
    const previous = this.restartDelay[slot.index] ?? 0;
    const delay = lived >= STABLE_AFTER_MS || killedFromOutside ? 0
      : Math.min(MAX_RESTART_DELAY_MS, previous * 2 || FIRST_RESTART_DELAY_MS);
    this.restartDelay[slot.index] = delay;
    this.options.log(`worker ${slot.index} (pid ${slot.child.pid}) exited with ` +
      `${signal ? `signal ${signal}` : `code ${code}`}; forking a replacement` +
      (delay ? ` in ${delay} ms (it died ${lived} ms after its start: a crash loop is slowed down)` : ''));
    setTimeout(() => {
      if (!this.stopping) this.fork(slot.index);
    }, delay);
  }

  /**
   * Tells a worker to drain and waits for it to exit; after the drain timeout it is killed. It is no
   * longer `alive` from this moment, so no model hands it anything new.
   */
  private async drain(slot: WorkerSlot): Promise<void> {
    slot.draining = true;
    slot.send({ type: 'drain' }, null, () => {});
    const deadline = setTimeout(() => {
      this.options.log(`worker ${slot.index} (pid ${slot.child.pid}) did not drain in ${this.options.drainTimeoutMs} ms; killing it`);
      slot.child.kill('SIGKILL');
    }, this.options.drainTimeoutMs);
    await slot.exit;
    clearTimeout(deadline);
  }

  /**
   * Rolling restart, like `pm2 reload`: slot by slot, fork the new worker, wait until it serves, then
   * drain the old one. Returns false if a new worker failed to start (the old one then keeps serving).
   */
  async restart(): Promise<boolean> {
    if (this.restarting || this.stopping) return false;
    this.restarting = true;
    try {
      for (let index = 0; index < this.slots.length && !this.stopping; index++) {
        const old = this.slots[index]!;
        const replacement = this.fork(index);
        if (!(await replacement.serving)) {
          this.options.log(`worker ${index}'s replacement (pid ${replacement.child.pid}) did not start; restart abandoned`);
          if (!old.exited) this.slots[index] = old;
          return false;
        }
        this.options.log(`worker ${index}: pid ${replacement.child.pid} serving, draining pid ${old.child.pid}`);
        await this.drain(old);
      }
      return !this.stopping;
    } finally {
      this.restarting = false;
    }
  }

  /** Graceful stop: every worker drains at once. Resolves with every worker's final count. */
  async stop(): Promise<WorkerTally[]> {
    this.stopping = true;
    // Every worker, not only the current ones: an old one may still be draining from a rolling restart.
    await Promise.all(this.everyWorker.filter((slot) => !slot.exited).map((slot) => this.drain(slot)));
    return this.tallies();
  }

  /** Stops every worker without draining: a worker exits at once when its IPC channel closes. */
  async killAll(): Promise<void> {
    this.stopping = true;
    for (const slot of this.everyWorker) if (slot.child.connected) slot.child.disconnect();
    const exited = Promise.all(this.everyWorker.map((slot) => slot.exit));
    const deadline = setTimeout(() => {
      for (const slot of this.everyWorker) if (!slot.exited) slot.child.kill('SIGKILL');
    }, 1000);
    await exited;
    clearTimeout(deadline);
  }
}
