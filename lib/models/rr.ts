/**
 * lib/models/rr.ts — master round-robin, in strict rotation, over the control channel (the article's part 2).
 *
 * The master accepts; each connection goes to the next worker in turn that takes connections, as a
 * `take` order on its control channel (master-accepts.ts). An exact split: every worker gets ⌊N/W⌋ or
 * ⌈N/W⌉. The rotation does not wait for a worker's `taken`: the answer only tells the master when to
 * close its copy. But child_process does: it writes a worker's next handle only once the worker has
 * acknowledged the last one (NODE_HANDLE_ACK, `_handleQueue` in lib/internal/child_process.js), so every
 * connection waits for an IPC round trip. rr-pipelined.ts lifts that limit.
 */
import { MasterAccepts } from './master-accepts';
import type { ModelSettings, WorkerLink } from './model';

export class RoundRobinModel extends MasterAccepts {
  constructor(settings: ModelSettings) {
    super(settings, 'control');
  }

  protected choose(): WorkerLink | null {
    return this.nextInTurn((worker) => worker.takesConnections);
  }
}
