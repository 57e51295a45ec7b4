/**
 * lib/models/rr.ts — master round-robin, in strict rotation, over child_process (the article's part 2).
 *
 * The master is the only process that listens and accepts. Each client handle it accepts goes to the
 * next worker in turn, over the IPC channel, with the fd as SCM_RIGHTS ancillary data; the worker serves
 * it. No herd (one process waits on the listening socket) and an exact split: every worker gets ⌊N/W⌋
 * or ⌈N/W⌉. The cost is that every connection crosses the master: an accept4(), a sendmsg() and a
 * close() there, a recvmsg() in the worker, and an IPC round trip, because child_process sends a
 * worker's next handle only once the worker has acknowledged the last one (NODE_HANDLE_ACK, `_handleQueue`
 * in lib/internal/child_process.js). rr-pipelined.ts lifts that limit.
 *
 * Two things a naive version gets wrong:
 *   - the master's copy of each client fd. child_process sends a raw handle as 'net.Native', which has
 *     no postSend, so nothing closes it: without `closeHandle` below every connection leaks an fd in
 *     the master (2000 connections left 2028 fds open when we tried);
 *   - handles in flight to a worker that dies. A completed send only means the fd is in the socketpair;
 *     if the worker dies before it reads it, the kernel closes that copy and the client is reset. So
 *     each worker acknowledges every handle (`accepted`), and the master keeps its copy until then, as
 *     Node's RoundRobinHandle does. A worker that dies leaves its unacknowledged handles behind, still
 *     open in the master, and they go to the next workers (which Node's RoundRobinHandle does not do).
 *     Unlike Node's policy, the rotation does not wait for the ack: the acks only decide when to close.
 *
 * The words are Node's (lib/internal/cluster/round_robin_handle.js): `all` the workers, `handles` the
 * connections waiting for one, `distribute` a new connection, `handoff` it to a worker.
 */
import { boundAddress, closeHandle, type ClientHandle, type ServerHandle } from '../binding';
import { acceptInMaster, type Model, type ModelSettings, type WorkerLink } from './model';

export class RoundRobinModel implements Model {
  private handle: ServerHandle | null = null;
  /** Every worker, in rotation order. */
  private readonly all: WorkerLink[] = [];
  private next = 0;
  /** Per worker, the handles it was sent and has not acknowledged, oldest first (the channel keeps order). */
  private readonly unacked = new Map<WorkerLink, ClientHandle[]>();
  /** Connections accepted while no worker could take one; they go out as soon as one is added. */
  private readonly handles: ClientHandle[] = [];

  constructor(private readonly settings: ModelSettings) {}

  start(): void {
    this.handle = acceptInMaster(this.settings, (clientHandle) => this.distribute(clientHandle));
  }

  address() {
    return { host: this.settings.host, port: boundAddress(this.handle!).port };
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'await-connections' }, null, () => {});
    this.all.push(worker);
    this.unacked.set(worker, []);
    for (const clientHandle of this.handles.splice(0)) this.distribute(clientHandle);
  }

  remove(worker: WorkerLink): void {
    const at = this.all.indexOf(worker);
    if (at === -1) return;
    this.all.splice(at, 1);
    if (at < this.next) this.next--;
    if (this.next >= this.all.length) this.next = 0;
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

  distribute(clientHandle: ClientHandle): void {
    const worker = this.nextWorker();
    if (worker) this.handoff(worker, clientHandle);
    else this.handles.push(clientHandle);
  }

  /** The next worker after the last one served that still takes connections. */
  private nextWorker(): WorkerLink | null {
    for (let tried = 0; tried < this.all.length; tried++) {
      const worker = this.all[this.next]!;
      this.next = (this.next + 1) % this.all.length;
      if (worker.accepting) return worker;
    }
    return null;
  }

  private handoff(worker: WorkerLink, clientHandle: ClientHandle): void {
    const pending = this.unacked.get(worker)!;
    pending.push(clientHandle);
    worker.send({ type: 'connection' }, clientHandle, (error) => {
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
    for (const clientHandle of this.handles.splice(0)) closeHandle(clientHandle);
    for (const pending of this.unacked.values()) for (const clientHandle of pending.splice(0)) closeHandle(clientHandle);
  }
}
