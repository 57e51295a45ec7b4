/**
 * lib/models/least-loaded.ts — the master accepts, and hands each connection to the worker its
 * scheduler picks by load.
 *
 * The mechanism is rr-pipelined's (master-accepts.ts, the handle pipe, handles kept until acknowledged);
 * the choice is a function (scheduler.ts), given for every worker that can take one what the master
 * knows: handles in flight and how long the oldest has waited (its own count and clock), connections
 * held, and what the worker said of itself on its last acknowledgement (requests in progress, event-loop
 * utilization). No message per request: the load rides on the acknowledgements and counts the workers
 * send anyway.
 *
 * Waiting is the scheduler's to decide. It may answer null: the connection stays in the master and goes
 * to the first worker that acknowledges, what a shared accept queue does by nature (only an idle worker
 * is in epoll_wait), without its herd. The default waits whenever no worker is free (scheduler.ts); a
 * scheduler that takes the first pipelines as rr-pipelined does. The model bounds it: at most
 * MAX_IN_FLIGHT handles to a worker, and a null while some worker has nothing in flight (no
 * acknowledgement would come to end the wait) counts as a scheduler's failure.
 *
 * A user's scheduler is code we do not control: one that throws, or names no worker that can take a
 * connection, costs a warning line (at most one a second) and the connection goes to the next worker
 * in turn. Nothing is lost.
 */
import { MasterAccepts } from './master-accepts';
import type { ModelSettings, WorkerLink } from './model';
import { MAX_IN_FLIGHT } from './rr-pipelined';
import { leastLoaded, type Scheduler, type WorkerLoad } from './scheduler';

/** A broken scheduler is said once a second at most, with how many choices failed meanwhile. */
const WARN_EVERY_MS = 1000;

export class LeastLoadedModel extends MasterAccepts {
  private lastWarning = -Infinity;
  private unsaid = 0;

  /** `now`: a clock in ms (performance.now, or a unit test's). */
  constructor(settings: ModelSettings, private readonly scheduler: Scheduler = leastLoaded,
    private readonly now: () => number = () => performance.now()) {
    super(settings, 'pipe', now);
  }

  protected choose(): WorkerLink | null {
    const candidates = this.inTurn((worker) => worker.takesConnections && this.inFlightTo(worker) < MAX_IN_FLIGHT);
    if (candidates.length === 0) return null;
    const loads: WorkerLoad[] = candidates.map((worker) => ({
      slot: worker.slot, inFlight: this.inFlightTo(worker), waitedMs: this.waitedOn(worker), open: worker.open, ...worker.load,
    }));
    let slot: unknown;
    try {
      slot = this.scheduler(loads);
    } catch (error) {
      return this.fallBack(candidates, `threw ${(error as Error)?.message ?? String(error)}`);
    }
    // Waiting is allowed while an acknowledgement is sure to come and ask again.
    if (slot === null && loads.every((load) => load.inFlight > 0)) return null;
    const chosen = candidates.find((worker) => worker.slot === slot);
    return chosen ? this.passTo(chosen) : this.fallBack(candidates, slot === null ? 'waited while a worker had nothing in flight'
      : `returned ${String(slot)}, not the slot of a worker that can take it`);
  }

  /** The scheduler failed: this connection goes to the next worker in turn. */
  private fallBack(candidates: WorkerLink[], what: string): WorkerLink {
    this.unsaid++;
    if (this.now() - this.lastWarning >= WARN_EVERY_MS) {
      this.lastWarning = this.now();
      const times = this.unsaid === 1 ? '' : ` (${this.unsaid} times since the last warning)`;
      this.settings.warn(`the scheduler ${what}${times}; the connection goes to the next worker in turn`);
      this.unsaid = 0;
    }
    return this.passTo(candidates[0]!);
  }
}
