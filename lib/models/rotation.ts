/**
 * lib/models/rotation.ts — workers in strict rotation: the order rr and rr-pipelined take turns in.
 *
 * `next` points at the worker after the last one served. A removal before it moves it back by one, so
 * the rotation goes on from the same worker; a removal at the end wraps it to the start.
 */
export class Rotation<Worker> {
  /** Every worker, in rotation order. */
  readonly all: Worker[] = [];
  private next = 0;

  add(worker: Worker): void {
    this.all.push(worker);
  }

  /** Takes a worker out of the rotation; false if it was not in it. */
  remove(worker: Worker): boolean {
    const at = this.all.indexOf(worker);
    if (at === -1) return false;
    this.all.splice(at, 1);
    if (at < this.next) this.next--;
    if (this.next >= this.all.length) this.next = 0;
    return true;
  }

  /** The next worker, from where the rotation stands, that `canTake`; null if none can (each is tried once). */
  take(canTake: (worker: Worker) => boolean): Worker | null {
    for (let tried = 0; tried < this.all.length; tried++) {
      const worker = this.all[this.next]!;
      this.next = (this.next + 1) % this.all.length;
      if (canTake(worker)) return worker;
    }
    return null;
  }

  /** Every worker that `canTake`, in turn order from where the rotation stands; the rotation does not move. */
  inTurn(canTake: (worker: Worker) => boolean): Worker[] {
    const ordered = [...this.all.slice(this.next), ...this.all.slice(0, this.next)];
    return ordered.filter(canTake);
  }

  /** `worker` was chosen, by whatever rule: the turn goes on from the one after it. */
  passTo(worker: Worker): void {
    const at = this.all.indexOf(worker);
    if (at !== -1) this.next = (at + 1) % this.all.length;
  }
}
