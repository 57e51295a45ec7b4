/**
 * lib/models/in-flight.ts — what the master has handed to each worker and the worker has not taken yet.
 *
 * The master keeps its copy of every handle it sends until the worker acknowledges it: a handle still in
 * a pipe when its worker dies is closed by the kernel with the pipe, and without the master's copy the
 * client would be reset. So whatever hands handles on (the models where the master accepts, the mover)
 * keeps this list per worker, and a worker's death hands its list to another. Each entry keeps when it
 * was handed, on the clock the list was made with: how long the oldest has waited says whether its
 * worker is turning its event loop (least-loaded.ts).
 */
interface Entry<Item> { item: Item; since: number }

export class InFlight<Worker, Item> {
  private readonly byWorker = new Map<Worker, Array<Entry<Item>>>();

  /** `now`: the clock `since` is read on (ms). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  add(worker: Worker, item: Item): void {
    const entry = { item, since: this.now() };
    const entries = this.byWorker.get(worker);
    if (entries) entries.push(entry);
    else this.byWorker.set(worker, [entry]);
  }

  /** The worker has taken it; false if it was not waiting for this worker (a late or stale answer). */
  remove(worker: Worker, item: Item): boolean {
    const entries = this.byWorker.get(worker);
    const at = entries ? entries.findIndex((entry) => entry.item === item) : -1;
    if (at === -1) return false;
    entries!.splice(at, 1);
    return true;
  }

  countFor(worker: Worker): number {
    return this.byWorker.get(worker)?.length ?? 0;
  }

  /** How long the oldest item still waiting for this worker has waited, in ms; 0 when none does. */
  waitedFor(worker: Worker): number {
    const oldest = this.byWorker.get(worker)?.[0];
    return oldest ? this.now() - oldest.since : 0;
  }

  get size(): number {
    let count = 0;
    for (const entries of this.byWorker.values()) count += entries.length;
    return count;
  }

  /** Everything that waited for this worker, oldest first; the worker is forgotten. */
  takeFrom(worker: Worker): Item[] {
    const entries = this.byWorker.get(worker) ?? [];
    this.byWorker.delete(worker);
    return entries.map((entry) => entry.item);
  }

  /** Everything still waiting, for every worker; none is left. */
  takeAll(): Item[] {
    const items = [...this.byWorker.values()].flat().map((entry) => entry.item);
    this.byWorker.clear();
    return items;
  }
}
