/**
 * lib/master/lifecycle.ts — the master's life: start, serve until a signal, stop.
 *
 * Start: the model takes the port (it binds; a port in use is one readable line and exit code 1, before
 * any worker is forked), then the supervisor forks the workers and waits until each one serves. From
 * then on SIGHUP replaces the workers one slot at a time, and SIGINT or SIGTERM stops gracefully: the
 * model stops taking connections, every worker finishes the requests it has started within
 * --drain-timeout, reports and exits, and the report follows. A signal before every worker is ready
 * stops them at once.
 *
 * Ctrl-C reaches the workers too (the terminal signals its whole foreground process group); they
 * ignore it and wait for the master to drain them (worker.ts).
 */
import { assertInternals } from '../binding/internals';
import { workerArgv } from '../worker/settings';
import { Dashboard } from '../dashboard/server';
import { HandoffError, MissingProgramError } from '../errors';
import type { MasterEvent, ReportEvent } from '../events';
import { createModel } from '../models';
import type { Model } from '../models/model';
import { compiled } from '../os/paths';
import { buildReport } from '../report/report';
import { Supervisor } from '../supervisor/supervisor';
import type { MasterOptions } from './cli';
import type { Output } from './output';

export class Master {
  private readonly model: Model;
  private readonly supervisor: Supervisor;
  private readonly dashboard: Dashboard | null;
  private ready = false;
  private stopping = false;

  constructor(private readonly options: MasterOptions, private readonly output: Output) {
    this.dashboard = options.dashboard === null ? null : new Dashboard(options.dashboard);
    this.model = createModel(options.model, { ...options, warn: (message) => this.emit({ type: 'warning', message }) });
    this.supervisor = new Supervisor({
      workers: options.workers,
      workerPath: compiled('worker'),
      workerArgv: (slot) => workerArgv({
        slot, masterPid: process.pid, headTimeoutMs: options.headTimeoutMs, idleTimeoutMs: options.idleTimeoutMs,
        transport: options.transport, allowCrash: options.allowCrash,
      }),
      model: this.model,
      drainTimeoutMs: options.drainTimeoutMs,
      rebalance: options.rebalance,
      restartCloses: options.restartCloses,
      emit: (event) => this.emit(event),
    });
  }

  private emit(event: MasterEvent): void {
    this.output.emit(event);
    this.dashboard?.onEvent(event);
  }

  report(): ReportEvent {
    return buildReport(this.options.model, this.options.transport, this.supervisor.counts());
  }

  /** True once every worker serves; false, after the one line that says why, if the kit could not start. */
  async start(): Promise<boolean> {
    let dashboardUrl: string | null = null;
    try {
      assertInternals();
      if (this.dashboard) dashboardUrl = `http://127.0.0.1:${await this.dashboard.listen(() => this.report())}/`;
      await this.model.start();
      await this.supervisor.start();
    } catch (error) {
      if (!(error instanceof HandoffError)) throw error;
      const message = error instanceof MissingProgramError ? error.neededBy(`--model ${this.options.model}`) : error.message;
      this.emit({ type: 'error', code: error.code, message });
      await this.teardown();
      return false;
    }
    this.ready = true;
    const { host, port } = this.model.address();
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    const { model, transport, backlog } = this.options;
    this.emit({
      type: 'listening', url, model, transport, backlog, pids: this.supervisor.pids(), masterPid: process.pid,
      readyMs: Math.round(process.uptime() * 1000), node: process.version, dashboard: dashboardUrl,
    });
    if (this.options.live) {
      this.output.startLive(`handoff --live: ${model}, ${url}  (Ctrl-C: stop and print the report)`, () => this.supervisor.counts());
    }
    return true;
  }

  /** SIGHUP: a rolling restart, once every worker is ready and unless the master is stopping. */
  restart(): void {
    if (this.ready && !this.stopping) void this.supervisor.restart();
  }

  /** Resolves with the exit code (0 after a graceful stop, 1 before every worker was ready); null if already stopping. */
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    if (this.stopping) return null;
    this.stopping = true;
    this.output.stopLive();
    this.emit({ type: 'stopping', signal, ready: this.ready });
    if (!this.ready) {
      await this.teardown();
      return 1;
    }
    await this.model.stopListening();
    await this.supervisor.stop();
    await this.model.close();
    this.emit(this.report());
    await this.dashboard?.close();
    return 0;
  }

  /** Everything start() took, released without draining: the workers exit when their channels close. */
  private async teardown(): Promise<void> {
    await this.supervisor.killAll();
    await this.model.close();
    await this.dashboard?.close();
  }
}
