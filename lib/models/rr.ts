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
 *   - handles in flight to a worker that dies. A completed send only means the fd is in the socketpair;
 *     if the worker dies before it reads it, the kernel closes that copy and the client is reset. So,
 *     like Node's RoundRobinHandle (which closes its copy on the worker's `accepted` reply), each worker
 *     acknowledges every handle, and the master keeps its copy until then. A worker that dies leaves its
 *     unacknowledged handles behind, still open in the master, and they go to the next workers. Unlike
 *     Node's policy, the rotation does not wait for the ack: the acks only decide when to close.
 */
import { boundAddress, closeHandle, type ClientHandle, type ServerHandle } from '../binding';
import { acceptInMaster, type Model, type ModelSettings, type WorkerLink } from './model';

export class RoundRobinModel implements Model {
  private handle: ServerHandle | null = null;
  /** Every worker, in rotation order. */
  private readonly workers: WorkerLink[] = [];
  private next = 0;
  /** Handles sent to each worker and not acknowledged yet, oldest first (IPC keeps them in order). */
  private readonly unacked = new Map<WorkerLink, ClientHandle[]>();
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
    this.unacked.set(worker, []);
    for (const clientHandle of this.waiting.splice(0)) this.distribute(clientHandle);
  }

  remove(worker: WorkerLink): void {
    const at = this.workers.indexOf(worker);
    if (at === -1) return;
    this.workers.splice(at, 1);
    if (at < this.next) this.next--;
    const stranded = this.unacked.get(worker)!;
    this.unacked.delete(worker);
    // Emptied, so a send callback that still fires for the dead worker finds nothing to resend: the
    // handle is another worker's now.
    for (const clientHandle of stranded.splice(0)) this.distribute(clientHandle);
  }

  /** The worker has the fd (its oldest unacknowledged one): ours can go. */
  accepted(worker: WorkerLink): void {
    const clientHandle = this.unacked.get(worker)?.shift();
    if (clientHandle) closeHandle(clientHandle);
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
    const pending = this.unacked.get(worker)!;
    pending.push(clientHandle);
    worker.send({ type: 'serve-client', ack: true }, clientHandle, (error) => {
      if (!error) return;
      // Never sent: take it back (unless remove() already did) and give it to the next worker.
      const at = pending.indexOf(clientHandle);
      if (at === -1) return;
      pending.splice(at, 1);
      this.distribute(clientHandle);
    });
  }

  /** Stop taking connections: new ones are refused by the kernel instead of queuing for nobody. */
  stopAccepting(): void {
    if (this.handle) closeHandle(this.handle);
    this.handle = null;
  }

  close(): void {
    this.stopAccepting();
    for (const clientHandle of this.waiting.splice(0)) closeHandle(clientHandle);
    for (const pending of this.unacked.values()) for (const clientHandle of pending.splice(0)) closeHandle(clientHandle);
  }
}
