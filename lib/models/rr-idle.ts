/**
 * lib/models/rr-idle.ts — Node's own round-robin policy (lib/internal/cluster/round_robin_handle.js).
 *
 * Like `rr`, the master accepts every connection. Unlike `rr`, it does not rotate: a handle goes to the
 * first *free* worker, and a worker is free again only once it has acknowledged the last handle it got.
 * Connections that arrive while every worker is busy wait in the master. The master keeps its copy of a
 * handle until the ack, so a worker that dies before acking loses nothing: the handle goes to another.
 *
 * What that teaches, next to `rr`: the split follows how fast each worker comes back, not a counter.
 * Identical idle workers come out nearly even but never exactly; a worker that is slow to ack (busy, or
 * descheduled on a machine with fewer cores than workers) gets less. And every connection costs an extra
 * IPC round trip, which is a large part of why Node's SCHED_RR is slower than SCHED_NONE here.
 */
import { boundAddress, closeHandle, type ClientHandle, type ServerHandle } from '../binding';
import { acceptInMaster, type Model, type ModelSettings, type WorkerLink } from './model';

export class IdleRoundRobinModel implements Model {
  private handle: ServerHandle | null = null;
  /** Workers that may take a connection now, in the order they became free. */
  private readonly free: WorkerLink[] = [];
  /** Connections waiting for a free worker. */
  private readonly handles: ClientHandle[] = [];
  /** The one handle each busy worker has not acknowledged yet. */
  private readonly unacked = new Map<WorkerLink, ClientHandle>();

  constructor(private readonly settings: ModelSettings) {}

  start(): void {
    this.handle = acceptInMaster(this.settings, (clientHandle) => {
      this.handles.push(clientHandle);
      this.dispatch();
    });
  }

  address() {
    return { host: this.settings.host, port: boundAddress(this.handle!).port };
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'serve-handed' }, null, () => {});
    this.free.push(worker);
    this.dispatch();
  }

  remove(worker: WorkerLink): void {
    const at = this.free.indexOf(worker);
    if (at !== -1) this.free.splice(at, 1);
    const clientHandle = this.unacked.get(worker);
    this.unacked.delete(worker);
    // Never acknowledged: the worker may never have seen it. Serve it first.
    if (clientHandle) this.handles.unshift(clientHandle);
    this.dispatch();
  }

  accepted(worker: WorkerLink): void {
    const clientHandle = this.unacked.get(worker);
    if (!clientHandle) return;
    this.unacked.delete(worker);
    closeHandle(clientHandle);
    // A draining worker finishes this one and gets no more.
    if (worker.alive) this.free.push(worker);
    this.dispatch();
  }

  stopAccepting(): void {
    if (this.handle) closeHandle(this.handle);
    this.handle = null;
  }

  private dispatch(): void {
    while (this.handles.length > 0 && this.free.length > 0) {
      const worker = this.free.shift()!;
      if (!worker.alive) continue;
      const clientHandle = this.handles.shift()!;
      this.unacked.set(worker, clientHandle);
      worker.send({ type: 'serve-client', ack: true }, clientHandle, (error) => {
        // The send failed: the worker is going away, and remove() will hand the connection on.
        if (error) this.settings.log(`master: could not send a connection to worker ${worker.index}: ${error.message}`);
      });
    }
  }

  close(): void {
    for (const clientHandle of [...this.handles.splice(0), ...this.unacked.values()]) closeHandle(clientHandle);
    this.unacked.clear();
    this.stopAccepting();
  }
}
