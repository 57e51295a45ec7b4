/**
 * lib/supervisor/worker-process.ts — one worker process as the master knows it.
 *
 * Words: a *slot* is a position 0..N-1 (a response's `x-slot`); a *worker* is one process that holds a
 * slot. A slot keeps its number through crashes and restarts; its workers come and go.
 *
 * State at a glance: `ready` (it said `started`), `draining` (told to drain: it takes nothing new, and its
 * exit is no crash), `exited`, `counts`, its latest report (a worker killed without warning keeps
 * the count it last sent), and `load`, what its latest acknowledgement or report said of how busy it is.
 */
import type { ChildProcess } from 'node:child_process';
import type { ClientHandle, ServerHandle } from '../binding/internals';
import { ControlToWorker } from '../channel/control';
import type { Counts, Load, OrderBody, Report } from '../channel/messages';
import type { WorkerLink } from '../models/model';
import type { PipeEnd, Spawned } from './spawn';

export class WorkerProcess implements WorkerLink {
  ready = false;
  draining = false;
  exited = false;
  counts: Counts = { connections: 0, requests: 0, received: 0, given: 0, open: 0 };
  load: Load = { inProgress: 0, utilization: 0 };
  /** Connections the master saw it take, handed new and moved to it: its reports catch up with these. */
  private takenNew = 0;
  private takenMoved = 0;
  readonly startedAt = Date.now();
  readonly child: ChildProcess;
  readonly pipe: PipeEnd;
  readonly control: ControlToWorker;
  readonly exit: Promise<void>;
  /** Resolves true once it serves, false if it exits first. */
  readonly serving: Promise<boolean>;
  private markServing: (serving: boolean) => void = () => {};

  constructor(readonly slot: number, spawned: Spawned, onReport: (worker: WorkerProcess, report: Report, handle: unknown) => void) {
    this.child = spawned.child;
    this.control = new ControlToWorker(this.child, (report, handle) => onReport(this, report, handle));
    this.pipe = spawned.openPipe((report, handle) => this.control.deliver(report, handle), (load) => { this.load = load; });
    this.exit = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.serving = new Promise((resolve) => { this.markServing = resolve; });
    void this.exit.then(() => this.markServing(false));
    // An IPC write to a worker that just died fails with EPIPE; its 'exit' is what the master acts on.
    this.child.on('error', () => {});
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get takesConnections(): boolean {
    return !this.exited && !this.draining && this.control.connected;
  }

  tookConnection(moved = false): void {
    if (moved) this.takenMoved++;
    else this.takenNew++;
  }

  /**
   * What it holds as the master knows it now: its last report, and the connections it has taken since
   * that report counted (a report lags what it describes by up to COUNT_INTERVAL_MS, and in a burst
   * the workers' reports lag by different amounts: read alone, they show an imbalance that is not there).
   */
  get open(): number {
    return this.counts.open + Math.max(0, this.takenNew - this.counts.connections) + Math.max(0, this.takenMoved - this.counts.received);
  }

  becameReady(): void {
    this.ready = true;
    this.markServing(true);
  }

  /** Sends an order on the control channel (lib/channel/control.ts); returns its seq. */
  send(order: OrderBody, handle: ServerHandle | ClientHandle | null, answered?: (report: Report) => void,
    failed?: (error: Error) => void): number {
    return this.control.send(order, handle, answered, failed);
  }

  /** It exited: its pipe goes, once what it wrote before it died has been read. */
  gone(): void {
    this.exited = true;
    this.pipe.closeWhenRead();
  }
}
