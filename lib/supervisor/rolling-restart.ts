/**
 * lib/supervisor/rolling-restart.ts — SIGHUP: replace every worker, one slot at a time, like `pm2 reload`.
 *
 * The order is the promise: in each slot the replacement is forked and *serving* before its predecessor
 * is told to drain, so at no moment is a slot empty. A replacement that exits before it serves ends the
 * restart, and the old worker keeps its slot.
 */
import type { MasterEvent } from '../events';
import type { WorkerProcess } from './worker-process';

/** What a rolling restart needs of the supervisor. */
export interface Slots {
  readonly count: number;
  readonly stopping: boolean;
  current(slot: number): WorkerProcess;
  /** Forks a new worker into the slot (it becomes the slot's current one); null if stopping. */
  replace(slot: number): Promise<WorkerProcess | null>;
  /** Forks a worker into the slot without waiting for it (its replacement and its old worker both died). */
  refill(slot: number): void;
  /** Gives the slot back to a worker (its replacement failed). */
  restore(slot: number, worker: WorkerProcess): void;
  /** The old worker goes: its connections move to its successor, or it drains (--restart-closes). */
  retire(worker: WorkerProcess): Promise<void>;
  emit(event: MasterEvent): void;
}

export class RollingRestart {
  running = false;

  constructor(private readonly slots: Slots) {}

  /** Resolves true once every slot has a new worker; false if a replacement failed or the master stopped. */
  async run(): Promise<boolean> {
    if (this.running || this.slots.stopping) return false;
    this.running = true;
    this.slots.emit({ type: 'restart-started' });
    try {
      for (let slot = 0; slot < this.slots.count && !this.slots.stopping; slot++) {
        if (!(await this.replace(slot))) return false;
      }
      if (this.slots.stopping) return false;
      this.slots.emit({ type: 'restart-done', pids: Array.from({ length: this.slots.count }, (_, slot) => this.slots.current(slot).pid) });
      return true;
    } finally {
      this.running = false;
    }
  }

  private async replace(slot: number): Promise<boolean> {
    const old = this.slots.current(slot);
    const replacement = await this.slots.replace(slot);
    if (!replacement) return false;
    if (!(await replacement.serving)) {
      this.slots.emit({ type: 'restart-abandoned', slot, pid: replacement.pid });
      // The old worker keeps its slot; if it died meanwhile, nothing else will fill the slot: its exit
      // was not replaced, since a replacement held the slot then.
      if (!old.exited) this.slots.restore(slot, old);
      else this.slots.refill(slot);
      return false;
    }
    this.slots.emit({ type: 'restart-step', slot, pid: replacement.pid, draining: old.pid });
    await this.slots.retire(old);
    return true;
  }
}
