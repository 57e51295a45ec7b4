/**
 * lib/models/in-flight.ts — what the master has handed to each worker and the worker has not taken yet.
 *
 * The master keeps its copy of every handle it sends until the worker acknowledges it: a handle still in
 * a pipe when its worker dies is closed by the kernel with the pipe, and without the master's copy the
 * client would be reset. So whatever hands handles on (the models where the master accepts, the mover)
 * keeps this list per worker, and a worker's death hands its list to another.
 */
export class InFlight<Worker, Item> {
  private readonly byWorker = new Map<Worker, Item[]>();

  add(worker: Worker, item: Item): void {
    const items = this.byWorker.get(worker);
    if (items) items.push(item);
    else this.byWorker.set(worker, [item]);
  }

  /** The worker has taken it; false if it was not waiting for this worker (a late or stale answer). */
  remove(worker: Worker, item: Item): boolean {
    const items = this.byWorker.get(worker);
    const at = items ? items.indexOf(item) : -1;
    if (at === -1) return false;
    items!.splice(at, 1);
    return true;
  }

  countFor(worker: Worker): number {
    return this.byWorker.get(worker)?.length ?? 0;
  }

  get size(): number {
    let count = 0;
    for (const items of this.byWorker.values()) count += items.length;
    return count;
  }

  /** Everything that waited for this worker, oldest first; the worker is forgotten. */
  takeFrom(worker: Worker): Item[] {
    const items = this.byWorker.get(worker) ?? [];
    this.byWorker.delete(worker);
    return items;
  }

  /** Everything still waiting, for every worker; none is left. */
  takeAll(): Item[] {
    const items = [...this.byWorker.values()].flat();
    this.byWorker.clear();
    return items;
  }
}
