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
 * The words are Node's (lib/internal/cluster/round_robin_handle.js): `handles` the connections waiting
 * for a worker, `distribute` a new connection, `handoff` it to a worker; the rotation's order is
 * rotation.ts, shared with rr-pipelined.
 */
import { closeHandle, type ClientHandle } from '../binding';
import { MasterSocket, type Model, type ModelSettings, type WorkerLink } from './model';
import { Rotation } from './rotation';

export class RoundRobinModel implements Model {
  private readonly socket: MasterSocket;
  private readonly rotation = new Rotation<WorkerLink>();
  /** Per worker, the handles it was sent and has not acknowledged, oldest first (the channel keeps order). */
  private readonly unacked = new Map<WorkerLink, ClientHandle[]>();
  /** Connections accepted while no worker could take one; they go out as soon as one is added. */
  private readonly handles: ClientHandle[] = [];

  constructor(settings: ModelSettings) {
    this.socket = new MasterSocket(settings, (clientHandle) => this.distribute(clientHandle));
  }

  start(): void {
    this.socket.listen();
  }

  address() {
    return this.socket.address();
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'await-connections' }, null, () => {});
    this.rotation.add(worker);
    this.unacked.set(worker, []);
    for (const clientHandle of this.handles.splice(0)) this.distribute(clientHandle);
  }

  remove(worker: WorkerLink): void {
    if (!this.rotation.remove(worker)) return;
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

  /** To the next worker after the last one served that still takes connections. */
  distribute(clientHandle: ClientHandle): void {
    const worker = this.rotation.take((each) => each.accepting);
    if (worker) this.handoff(worker, clientHandle);
    else this.handles.push(clientHandle);
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

  stopAccepting(): void {
    this.socket.close();
  }

  close(): void {
    this.socket.close();
    for (const clientHandle of this.handles.splice(0)) closeHandle(clientHandle);
    for (const pending of this.unacked.values()) for (const clientHandle of pending.splice(0)) closeHandle(clientHandle);
  }
}
