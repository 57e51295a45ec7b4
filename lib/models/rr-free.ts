/**
 * lib/models/rr-free.ts — Node's own round-robin policy (lib/internal/cluster/round_robin_handle.js).
 *
 * Like `rr`, the master accepts every connection. Unlike `rr`, it does not rotate: a handle goes to the
 * first *free* worker, and a worker is free again only once it has taken the last handle it got (Node's
 * word, `free`). Connections that arrive while every worker is busy wait in the master.
 *
 * What that teaches, next to `rr`: the split follows how fast each worker comes back, not a counter.
 * Identical idle workers come out nearly even; a worker that is slow to answer (busy, or descheduled on a
 * machine with fewer cores than workers) gets less. Every connection costs an IPC round trip.
 *
 * Read it beside Node's file: the same `free` list, a worker added to it when it joins and again when it
 * answers. Where it differs, on purpose: Node closes its copy of a handle on the worker's reply and, if
 * the worker dies before replying, never hears of that handle again (the client is reset). Here the
 * master keeps its copy until the answer, and a worker's death hands it to the next free worker
 * (master-accepts.ts), so a death loses no connection that had not reached the worker.
 */
import { MasterAccepts } from './master-accepts';
import type { ModelSettings, WorkerLink } from './model';

export class FreeRoundRobinModel extends MasterAccepts {
  /** Workers that may take a connection now, in the order they became free. */
  private readonly free: WorkerLink[] = [];

  constructor(settings: ModelSettings) {
    super(settings, 'control');
  }

  /** The first free worker; one that has started draining meanwhile drops out. */
  protected choose(): WorkerLink | null {
    let worker: WorkerLink | undefined;
    while ((worker = this.free.shift()) && !worker.takesConnections);
    return worker ?? null;
  }

  protected override joined(worker: WorkerLink): void {
    this.free.push(worker);
  }

  protected override taken(worker: WorkerLink): void {
    // Add to ready queue again (Node's words): it had one connection in flight and has none now. One
    // that no longer takes connections is passed over by choose().
    this.free.push(worker);
  }

  protected override left(worker: WorkerLink): void {
    const at = this.free.indexOf(worker);
    if (at !== -1) this.free.splice(at, 1);
  }
}
