/**
 * lib/models/rr.ts — master round-robin, in strict rotation.
 *
 * The master is the only process that listens and accepts. Each client handle it accepts goes to the
 * next worker in turn, over IPC, with the fd as SCM_RIGHTS ancillary data; the worker wraps it in a
 * net.Socket and serves it. No herd (one process waits on the listening socket) and an exact split:
 * every worker gets ⌊N/W⌋ or ⌈N/W⌉. The cost is that every connection crosses the master: an accept4(),
 * a sendmsg() and a close() there, and a recvmsg() in the worker (part 2 of the article; Node's
 * cluster does this with SCHED_RR, the default on Linux since Node 0.12).
 *
 * Two things a naive version gets wrong:
 *   - the master's copy of each client fd. child_process sends a raw handle as 'net.Native', which has
 *     no postSend, so nothing closes it: without `closeHandle` below every connection leaks an fd in
 *     the master (2000 requests left 2026 fds open when we tried);
 *   - handles in flight to a worker that dies. child_process sends one handle at a time per worker and
 *     queues the rest until the worker ACKs the previous one; when the worker dies those callbacks never
 *     fire. So we remember what is in flight to each worker and give it to the next one on `remove`.
 */
import { boundAddress, closeHandle, type ClientHandle, type ServerHandle } from '../binding';
import { acceptInMaster, type Model, type ModelSettings, type WorkerLink } from './model';

export class RoundRobinModel implements Model {
  private handle: ServerHandle | null = null;
  /** Every worker, in rotation order. */
  private readonly workers: WorkerLink[] = [];
  private next = 0;
  /** Handles sent to each worker whose send has not completed yet. */
  private readonly inFlight = new Map<WorkerLink, Set<ClientHandle>>();
  /** Handles accepted while no worker was alive; they go out as soon as one is added. */
  private readonly waiting: ClientHandle[] = [];

  constructor(private readonly settings: ModelSettings) {}

  start(): void {
    this.handle = acceptInMaster(this.settings, (clientHandle) => this.distribute(clientHandle));
  }

  address() {
    return { host: this.settings.host, port: boundAddress(this.handle!).port };
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'serve-handed' }, null, () => {});
    this.workers.push(worker);
    this.inFlight.set(worker, new Set());
    for (const clientHandle of this.waiting.splice(0)) this.distribute(clientHandle);
  }

  remove(worker: WorkerLink): void {
    const at = this.workers.indexOf(worker);
    if (at === -1) return;
    this.workers.splice(at, 1);
    if (at < this.next) this.next--;
    const pending = this.inFlight.get(worker)!;
    this.inFlight.delete(worker);
    const stranded = [...pending];
    // Emptied, so a send callback that still fires for the dead worker finds nothing to close or resend:
    // the handle is another worker's now.
    pending.clear();
    for (const clientHandle of stranded) this.distribute(clientHandle);
  }

  /** The next live worker after the last one served; a worker that is exiting is skipped. */
  private nextWorker(): WorkerLink | null {
    for (let tried = 0; tried < this.workers.length; tried++) {
      const worker = this.workers[this.next++ % this.workers.length]!;
      this.next %= this.workers.length;
      if (worker.alive) return worker;
    }
    return null;
  }

  private distribute(clientHandle: ClientHandle): void {
    const worker = this.nextWorker();
    if (!worker) return void this.waiting.push(clientHandle);
    const pending = this.inFlight.get(worker)!;
    pending.add(clientHandle);
    worker.send({ type: 'serve-client', ack: false }, clientHandle, (error) => {
      // Not pending any more: the worker was removed and the handle already went to another one.
      if (!pending.delete(clientHandle)) return;
      if (error) return this.distribute(clientHandle);
      // The fd is in the worker now (the kernel took a reference at sendmsg); ours would leak.
      closeHandle(clientHandle);
    });
  }

  close(): void {
    for (const clientHandle of this.waiting.splice(0)) closeHandle(clientHandle);
    if (this.handle) closeHandle(this.handle);
    this.handle = null;
  }
}
