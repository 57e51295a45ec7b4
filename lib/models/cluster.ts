/**
 * lib/models/cluster.ts — Node's own cluster module, as the baseline a user would otherwise pick.
 *
 * The workers call an ordinary `server.listen()`; inside a cluster worker that becomes a request to the
 * primary (lib/internal/cluster/child.js `_getServer`). The primary answers according to
 * `cluster.schedulingPolicy`, frozen at the first fork:
 *   - SCHED_RR: the primary listens and hands out connections (round_robin_handle.js), like `rr-idle`;
 *   - SCHED_NONE: the primary binds and sends the handle to every worker (shared_handle.js), like `shared`.
 * The workers serve with the same responder as every other model (they take each client handle from the
 * net.Server before it becomes a net.Socket, lib/binding.ts takeConnections), so what differs is only the
 * path a connection takes.
 */
import cluster from 'node:cluster';
import type { ChildProcess, ForkOptions } from 'node:child_process';
import { freePorts } from '../ports';
import { listenInWorker, type Model, type ModelSettings, type WorkerLink } from './model';

export class ClusterModel implements Model {
  private port = 0;

  constructor(private readonly settings: ModelSettings, private readonly policy: 'rr' | 'none') {}

  async start(): Promise<void> {
    cluster.schedulingPolicy = this.policy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    this.port = await freePorts(this.settings.host, this.settings.port, 1);
  }

  /** cluster.fork() adds its own to what we pass (NODE_UNIQUE_ID, which makes the child a cluster worker). */
  async fork(workerPath: string, argv: string[], options: ForkOptions): Promise<ChildProcess> {
    cluster.setupPrimary({ exec: workerPath, args: argv, stdio: options.stdio as unknown[], ...(options.execArgv ? { execArgv: options.execArgv } : {}) });
    return cluster.fork(options.env).process;
  }

  address() {
    return { host: this.settings.host, port: this.port };
  }

  add(worker: WorkerLink): void {
    listenInWorker(worker, this.settings, this.port);
  }

  remove(): void {}

  close(): void {}
}
