/**
 * lib/http/deadlines.ts — every connection's timeout, checked by one timer per worker.
 *
 * A timer per connection (what net.Socket's setTimeout does: a Timeout object, re-linked into Node's
 * timer list on every read and write) costs a little on every connection and every request. Here a
 * connection only writes a number, its `deadline`, and one interval per process looks at the open
 * connections a few times per timeout. A connection is never closed before its deadline, and at most
 * one tick (a tenth of the shortest timeout) after it.
 */
export interface Timed {
  /** ms on the responder's clock (Date.now() in a worker), or Infinity for none. */
  deadline: number;
  onDeadline(now: number): void;
}

/** How many ticks per shortest timeout: the most a deadline can be overshot is 1/TICKS of it. */
const TICKS = 10;

export class Deadlines {
  private readonly watched = new Set<Timed>();
  private timer: NodeJS.Timeout | null = null;
  readonly tickMs: number;

  /** `now` is the clock deadlines are read on: Date.now, or a test's. */
  constructor(shortestTimeoutMs: number, private readonly now: () => number = Date.now) {
    this.tickMs = Math.max(1, Math.floor(shortestTimeoutMs / TICKS));
  }

  watch(entry: Timed): void {
    this.watched.add(entry);
    // unref'd: open connections keep a worker alive through their handles, not through this timer.
    this.timer ??= setInterval(() => this.tick(this.now()), this.tickMs).unref();
  }

  unwatch(entry: Timed): void {
    this.watched.delete(entry);
  }

  /** Calls `onDeadline` for every entry whose deadline has passed at `now`. */
  tick(now: number): void {
    for (const entry of this.watched) if (entry.deadline <= now) entry.onDeadline(now);
  }
}
