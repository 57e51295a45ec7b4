/**
 * lib/models/rr-pipelined.ts — master round-robin in strict rotation, many handles in flight per worker.
 *
 * The same rotation as `rr`, on the worker's handle pipe (lib/channel/handle-pipe.ts) instead of the
 * control channel: a handle goes out as soon as it is accepted, without waiting for the previous one's
 * acknowledgement. The worker acknowledges with a running number, once per read burst, and the master
 * keeps its copy of each handle until then (master-accepts.ts).
 *
 * At most MAX_IN_FLIGHT handles wait for one worker's acknowledgement. A worker at the bound is busy or
 * descheduled: the rotation passes it by (as it passes a draining worker) and it gets the next
 * connection when its turn comes round with room. While no worker is at the bound, the split is exact,
 * ⌊N/W⌋ or ⌈N/W⌉; if every worker is at the bound, connections wait in the master until an
 * acknowledgement makes room, and meanwhile the kernel's backlog holds the rest.
 */
import { MasterAccepts } from './master-accepts';
import type { ModelSettings, WorkerLink } from './model';

/**
 * A worker acknowledges once per event-loop turn, so this many handles is a turn that took very long:
 * far more than ab -c100 ever keeps in flight to one of four workers (about 25).
 */
export const MAX_IN_FLIGHT = 64;

export class PipelinedRoundRobinModel extends MasterAccepts {
  constructor(settings: ModelSettings) {
    super(settings, 'pipe');
  }

  protected choose(): WorkerLink | null {
    return this.nextInTurn((worker) => worker.takesConnections && this.inFlightTo(worker) < MAX_IN_FLIGHT);
  }
}
