/**
 * lib/models/cluster.ts — Node's own cluster module, as the baseline a user would otherwise pick.
 *
 * The workers call an ordinary `server.listen()`; inside a cluster worker that becomes a request to the
 * primary (lib/internal/cluster/child.js `_getServer`). The primary answers according to
 * `cluster.schedulingPolicy`, frozen at the first fork (lib/supervisor/spawn.ts sets it):
 *   - SCHED_RR: the primary listens and hands out connections (round_robin_handle.js), like `rr-free`;
 *   - SCHED_NONE: the primary binds and sends the handle to every worker (shared_handle.js), like `shared`.
 * The workers serve with the same responder as every other model (they take each client handle from the
 * net.Server before it becomes a net.Socket, lib/binding/channel.ts takeConnections), so what differs is
 * only the path a connection takes.
 */
import { freePorts } from '../os/ports';
import type { Address, Model, ModelSettings, WorkerLink } from './model';

export class ClusterModel implements Model {
  readonly fork: 'cluster-rr' | 'cluster-none';
  private port = 0;

  constructor(private readonly settings: ModelSettings, policy: 'rr' | 'none') {
    this.fork = policy === 'rr' ? 'cluster-rr' : 'cluster-none';
  }

  async start(): Promise<void> {
    this.port = await freePorts(this.settings.host, this.settings.port, 1);
  }

  address(): Address {
    return { host: this.settings.host, port: this.port };
  }

  add(worker: WorkerLink): void {
    const { host, backlog } = this.settings;
    worker.send({ type: 'listen-net', host, port: this.port, backlog }, null);
  }

  remove(): void {}

  /** Each worker closes its own server when it drains; the primary's handle goes with the last one. */
  stopListening(): void {}

  close(): void {}
}
