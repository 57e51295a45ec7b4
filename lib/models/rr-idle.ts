/**
 * lib/models/rr-idle.ts — Node's own round-robin policy (lib/internal/cluster/round_robin_handle.js).
 *
 * Like `rr`, the master accepts every connection. Unlike `rr`, it does not rotate: a handle goes to the
 * first *free* worker, and a worker is free again only once it has acknowledged the last handle it got.
 * Connections that arrive while every worker is busy wait in the master (`handles`).
 *
 * What that teaches, next to `rr`: the split follows how fast each worker comes back, not a counter.
 * Identical idle workers come out nearly even; a worker that is slow to ack (busy, or descheduled on a
 * machine with fewer cores than workers) gets less. Every connection costs an IPC round trip.
 *
 * Read it beside Node's file: the same fields (`all`, `free`, `handles`) and the same two methods
 * (`distribute`, `handoff`). Where it differs, on purpose: Node closes its copy of a handle on the
 * worker's reply and, if the worker dies before replying, never hears of that handle again (the client
 * is reset). Here the master keeps its copy until the ack, and remove() hands an unacknowledged handle
 * to the next free worker, so a worker's death loses no connection that had not reached it.
 */
import { closeHandle, type ClientHandle } from '../binding';
import { MasterSocket, type Model, type ModelSettings, type WorkerLink } from './model';

export class IdleRoundRobinModel implements Model {
  private readonly socket: MasterSocket;
  private readonly all = new Set<WorkerLink>();
  /** Workers that may take a connection now, in the order they became free. */
  private readonly free: WorkerLink[] = [];
  /** Connections waiting for a free worker. */
  private readonly handles: ClientHandle[] = [];
  /** The one handle each busy worker has not acknowledged yet. */
  private readonly unacked = new Map<WorkerLink, ClientHandle>();

  constructor(private readonly settings: ModelSettings) {
    this.socket = new MasterSocket(settings, (clientHandle) => this.distribute(clientHandle));
  }

  start(): void {
    this.socket.listen();
  }

  address() {
    return this.socket.address();
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'await-connections' }, null, () => {});
    this.all.add(worker);
    this.handoff(worker); // In case there are connections pending.
  }

  remove(worker: WorkerLink): void {
    this.all.delete(worker);
    const at = this.free.indexOf(worker);
    if (at !== -1) this.free.splice(at, 1);
    const clientHandle = this.unacked.get(worker);
    this.unacked.delete(worker);
    // Never acknowledged: the worker may never have seen it. Serve it first.
    if (clientHandle) {
      this.handles.unshift(clientHandle);
      this.handoffToFree();
    }
  }

  /** The worker's reply: our copy can go, and the worker is free for the next connection. */
  accepted(worker: WorkerLink): void {
    const clientHandle = this.unacked.get(worker);
    if (!clientHandle) return;
    this.unacked.delete(worker);
    closeHandle(clientHandle);
    this.handoff(worker);
  }

  distribute(clientHandle: ClientHandle): void {
    this.handles.push(clientHandle);
    this.handoffToFree();
  }

  /** Free workers take the waiting connections; one that has started draining meanwhile drops out. */
  private handoffToFree(): void {
    while (this.handles.length > 0 && this.free.length > 0) this.handoff(this.free.shift()!);
  }

  private handoff(worker: WorkerLink): void {
    // Worker is draining (or gone): it finishes what it has and gets no more.
    if (!this.all.has(worker) || !worker.accepting) return;
    const clientHandle = this.handles.shift();
    if (clientHandle === undefined) {
      this.free.push(worker); // Add to ready queue again.
      return;
    }
    this.unacked.set(worker, clientHandle);
    worker.send({ type: 'connection' }, clientHandle, (error) => {
      // The send failed: the worker is going away, and remove() will hand the connection on.
      if (error) this.settings.warn(`could not send a connection to worker ${worker.slot} (pid ${worker.pid}): ${error.message}`);
    });
  }

  stopAccepting(): void {
    this.socket.close();
  }

  close(): void {
    for (const clientHandle of [...this.handles.splice(0), ...this.unacked.values()]) closeHandle(clientHandle);
    this.unacked.clear();
    this.socket.close();
  }
}
