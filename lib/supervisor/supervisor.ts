/**
 * lib/supervisor/supervisor.ts — forks the workers, replaces the ones that die, and stops them all.
 *
 * The promise the kit keeps: every process it starts, it stops, whatever kills the master.
 *   - A clean stop drains each worker (drain.ts: it stops accepting, finishes its requests, reports its
 *     final count and exits); one that has not exited by the deadline gets SIGKILL.
 *   - A rolling restart (SIGHUP, rolling-restart.ts) replaces the workers one slot at a time; each old
 *     worker retires, giving its live connections back to move to its successor (mover.ts), unless
 *     --restart-closes asks for the plain drain.
 *   - With --rebalance the workers' open connections are evened out as they go (rebalancer.ts).
 *   - If the master dies without a word (SIGKILL, a crash), the kernel closes its end of every IPC
 *     socketpair; each worker's channel sees EOF, Node emits 'disconnect', and the worker exits (see
 *     worker.ts). No process-group tricks needed, and none can be escaped by a worker.
 *   - A worker that dies is forked again at once, or later if it is a crash loop (restart-policy.ts).
 */
import { asClientHandle } from '../binding/channel';
import { HandleError, WorkersNotReadyError } from '../errors';
import type { MasterEvent, WorkerCounts } from '../events';
import type { Counts, Moved, Report } from '../channel/messages';
import type { Model } from '../models/model';
import { drain } from './drain';
import { Mover } from './mover';
import { Rebalancer, type RebalanceSettings } from './rebalancer';
import { restartDelay } from './restart-policy';
import { RollingRestart, type Slots } from './rolling-restart';
import { Spawner } from './spawn';
import { WorkerProcess } from './worker-process';

/** How long all workers have to be ready at start-up; each normally takes well under a second. */
const START_TIMEOUT_MS = 10_000;
/** killAll(): a worker whose channel is closed exits at once; one that has not after this is killed. */
const KILL_AFTER_MS = 1000;

/** The counts a report carries, without its type, its numbers or its load. */
const countsOf = ({ connections, requests, received, given, open }: Counts): Counts => ({ connections, requests, received, given, open });

export interface SupervisorOptions {
  workers: number;
  workerPath: string;
  workerArgv(slot: number): string[];
  model: Model;
  /** How long a draining worker has to finish its requests before it is killed. */
  drainTimeoutMs: number;
  emit(event: MasterEvent): void;
  /** How workers are forked: the model's way (spawn.ts), or a unit test's fake processes. */
  spawner?: Pick<Spawner, 'spawn' | 'close'>;
  /** --rebalance: how far the workers may drift apart before connections move, and how fast they may. */
  rebalance?: RebalanceSettings | null;
  /** --restart-closes: a rolling restart drains the old workers instead of moving their connections. */
  restartCloses?: boolean;
  /** How long start() waits for every worker to say `started` (START_TIMEOUT_MS unless a test says less). */
  startTimeoutMs?: number;
}

export class Supervisor implements Slots {
  /** The current worker of each slot. */
  private readonly slots: WorkerProcess[] = [];
  /** Every worker ever forked, the replaced ones too: the report counts them all. */
  private readonly everyWorker: WorkerProcess[] = [];
  private readonly restartDelays: number[] = [];
  private readonly spawner: Pick<Spawner, 'spawn' | 'close'>;
  private readonly rollingRestart = new RollingRestart(this);
  private readonly mover: Mover;
  private readonly rebalancer: Rebalancer | null;
  private started: { resolve(): void; reject(error: Error): void } | null = null;
  stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.spawner = options.spawner ?? new Spawner(options.workerPath, options.model.fork);
    const holders = () => this.slots.filter((worker) => worker?.takesConnections);
    this.mover = new Mover({ candidates: holders }, (event) => this.emit(event));
    this.rebalancer = options.rebalance ? new Rebalancer(holders, this.mover, options.rebalance) : null;
  }

  get count(): number {
    return this.options.workers;
  }

  /** Forks every worker; resolves once all of them are ready, rejects with the first listen error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.options.startTimeoutMs ?? START_TIMEOUT_MS;
      const timer = setTimeout(() => this.started?.reject(new WorkersNotReadyError(
        `workers not ready within ${timeoutMs} ms (see their messages above)`)), timeoutMs);
      const settle = (action: () => void) => {
        clearTimeout(timer);
        this.started = null;
        action();
      };
      this.started = {
        resolve: () => settle(() => {
          this.rebalancer?.start();
          resolve();
        }),
        reject: (error) => settle(() => reject(error)),
      };
      for (let slot = 0; slot < this.options.workers; slot++) {
        this.replace(slot).catch((error: Error) => this.started?.reject(error));
      }
    });
  }

  pids(): number[] {
    return this.slots.map((worker) => worker.pid);
  }

  current(slot: number): WorkerProcess {
    return this.slots[slot]!;
  }

  /** Every worker's latest counts, the exited ones included, in the order they were forked. */
  counts(): WorkerCounts[] {
    return this.everyWorker.map((worker) => ({
      slot: worker.slot, pid: worker.pid, replaced: this.slots[worker.slot] !== worker, ...worker.counts,
      open: worker.exited ? 0 : worker.counts.open,
      load: worker.exited ? { inFlight: 0, inProgress: 0, utilization: 0 } : { inFlight: worker.pipe.inFlight, ...worker.load },
    }));
  }

  emit(event: MasterEvent): void {
    this.options.emit(event);
  }

  /** Forks a worker into a slot; it becomes the slot's current worker. */
  async replace(slot: number): Promise<WorkerProcess | null> {
    const spawned = await this.spawner.spawn(this.options.workerArgv(slot));
    if (this.stopping) {
      // Forked while the master was stopping: it never joined, so it goes at once.
      spawned.child.kill('SIGKILL');
      return null;
    }
    const worker = new WorkerProcess(slot, spawned, (from, report, handle) => this.onReport(from, report, handle));
    this.slots[slot] = worker;
    this.everyWorker.push(worker);
    worker.child.once('exit', (code, signal) => this.onExit(worker, code, signal));
    this.options.model.add(worker);
    return worker;
  }

  restore(slot: number, worker: WorkerProcess): void {
    this.slots[slot] = worker;
  }

  drain(worker: WorkerProcess): Promise<void> {
    return this.finishWith(worker, 'drain');
  }

  /** A rolling restart's old worker: its connections move to its successor, unless --restart-closes. */
  retire(worker: WorkerProcess): Promise<void> {
    return this.finishWith(worker, this.options.restartCloses ? 'drain' : 'retire');
  }

  private finishWith(worker: WorkerProcess, how: 'drain' | 'retire'): Promise<void> {
    const { drainTimeoutMs } = this.options;
    const { slot, pid } = worker;
    return drain(worker, drainTimeoutMs, () => this.emit({ type: 'drain-timeout', slot, pid, drainTimeoutMs }), how, () => {
      if (how === 'retire') this.emit({ type: 'retiring', slot, pid, to: this.slots[slot]!.pid });
    });
  }

  private allReady(): boolean {
    return this.slots.filter(Boolean).length === this.options.workers && this.slots.every((worker) => worker.ready);
  }

  /** What each report means to the supervisor (replies to a model's orders go to the model too). */
  private onReport(worker: WorkerProcess, report: Report, handle: unknown): void {
    switch (report.type) {
      case 'started':
        worker.becameReady();
        if (this.started && this.allReady()) this.started.resolve();
        else if (!this.started && !this.rollingRestart.running) this.emit({ type: 'worker-ready', slot: worker.slot, pid: worker.pid });
        return;
      case 'failed': {
        const error = new HandleError(report.syscall, report.errno, { host: report.host, port: report.port });
        if (this.started) return this.started.reject(error);
        this.emit({ type: 'worker-listen-failed', slot: worker.slot, pid: worker.pid, code: error.code });
        worker.child.kill('SIGKILL');
        return;
      }
      case 'counted':
        worker.counts = countsOf(report);
        worker.load = { inProgress: report.inProgress, utilization: report.utilization };
        return;
      case 'drained':
        worker.counts = countsOf(report);
        return;
      case 'given':
        return this.given(worker, report.ack, report.moved, handle);
      case 'taken':
      case 'stopped':
        return;
    }
  }

  /**
   * A worker gave a live connection back: for the slot a rebalancing `give` named, or, from a retiring
   * worker, for its successor (the slot's worker now); the mover hands it on.
   */
  private given(worker: WorkerProcess, ack: number, moved: Moved, handle: unknown): void {
    const clientHandle = asClientHandle(handle);
    if (!clientHandle) return;
    const slot = this.rebalancer?.target(worker, ack) ?? worker.slot;
    this.mover.route(worker, clientHandle, moved, this.slots[slot] ?? null);
  }

  private onExit(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    worker.gone();
    this.options.model.remove(worker);
    this.mover.removed(worker);
    this.rebalancer?.removed(worker);
    const livedMs = Date.now() - worker.startedAt;
    const exited = { type: 'worker-exited', slot: worker.slot, pid: worker.pid, code, signal, livedMs } as const;
    // Not replaced: it was told to go, or it is no longer the slot's worker, or it is a replacement that
    // died before it served during a rolling restart (which keeps the old one).
    if (this.stopping || worker.draining || this.slots[worker.slot] !== worker || (this.rollingRestart.running && !worker.ready)) {
      return this.emit({ ...exited, restartInMs: null });
    }
    const delay = restartDelay(this.restartDelays[worker.slot] ?? 0, livedMs, signal);
    this.restartDelays[worker.slot] = delay;
    this.emit({ ...exited, restartInMs: delay });
    setTimeout(() => {
      if (!this.stopping) this.refill(worker.slot);
    }, delay);
  }

  /** Forks a worker into a slot that nothing else will fill; a fork that fails is a warning, and the slot waits. */
  refill(slot: number): void {
    this.replace(slot).catch((error: Error) => this.emit({ type: 'warning', message: `could not fork a worker: ${error.message}` }));
  }

  /** Rolling restart (rolling-restart.ts). Resolves false if a replacement failed (the old one then keeps serving). */
  restart(): Promise<boolean> {
    return this.rollingRestart.run();
  }

  /** Graceful stop: every worker drains at once. Resolves with every worker's final counts. */
  async stop(): Promise<WorkerCounts[]> {
    this.stopping = true;
    this.rebalancer?.stop();
    // Every worker, not only the current ones: an old one may still be draining from a rolling restart.
    await Promise.all(this.everyWorker.filter((worker) => !worker.exited).map((worker) => this.drain(worker)));
    this.mover.close();
    this.spawner.close();
    return this.counts();
  }

  /** Stops every worker without draining: a worker exits at once when its IPC channel closes. */
  async killAll(): Promise<void> {
    this.stopping = true;
    this.rebalancer?.stop();
    for (const worker of this.everyWorker) worker.control.disconnect();
    const exited = Promise.all(this.everyWorker.map((worker) => worker.exit));
    const deadline = setTimeout(() => {
      for (const worker of this.everyWorker) if (!worker.exited) worker.child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    await exited;
    clearTimeout(deadline);
    this.mover.close();
    this.spawner.close();
  }
}
