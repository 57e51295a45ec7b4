/**
 * lib/models/rr-pipelined.ts — master round-robin in strict rotation, many handles in flight per worker.
 *
 * The same rotation as `rr`, on a pipe of the kit's own (handoff-pipe.ts) instead of child_process's
 * channel: a handle goes out as soon as it is accepted, without waiting for the previous one's
 * acknowledgement. The worker acknowledges with a running count, once per read burst, and the master
 * keeps its copy of each handle until then, so a worker that dies loses nothing it had not read: its
 * unacknowledged handles go to the next workers, oldest first.
 *
 * At most MAX_IN_FLIGHT handles wait for one worker's acknowledgement. A worker at the bound is busy or
 * descheduled: the rotation passes it by (as it passes a draining worker) and it gets the next
 * connection when its turn comes round with room. While no worker is at the bound, the split is exact,
 * ⌊N/W⌋ or ⌈N/W⌉; if every worker is at the bound, connections wait in the master (`handles`) until an
 * acknowledgement makes room, and meanwhile the kernel's backlog holds the rest.
 */
import type { ChildProcess, ForkOptions } from 'node:child_process';
import { closeHandle, type ClientHandle } from '../binding';
import { HANDOFF_FD, HandoffPipes } from './handoff-pipe';
import { MasterSocket, type Model, type ModelSettings, type WorkerLink } from './model';
import { Rotation } from './rotation';

/**
 * A worker acknowledges once per event-loop turn, so this many handles is a turn that took very long:
 * far more than ab -c100 ever keeps in flight to one of four workers (about 25).
 */
export const MAX_IN_FLIGHT = 64;

/** The pipes as the rotation uses them; handoff-pipe.ts in the master, a fake in the unit tests. */
export type Pipes = Pick<HandoffPipes, 'open' | 'fork' | 'listen' | 'send' | 'end' | 'forget' | 'close'>;

export class PipelinedRoundRobinModel implements Model {
  private readonly socket: MasterSocket;
  private readonly rotation = new Rotation<WorkerLink>();
  /** Per worker: handles sent and not yet acknowledged, oldest first, and how many it had acknowledged. */
  private readonly inFlight = new Map<WorkerLink, { handles: ClientHandle[]; acknowledged: number }>();
  /** Connections waiting for a worker with room. */
  private readonly handles: ClientHandle[] = [];

  constructor(settings: ModelSettings, private readonly pipes: Pipes = new HandoffPipes()) {
    this.socket = new MasterSocket(settings, (clientHandle) => this.distribute(clientHandle));
  }

  start(): void {
    this.pipes.open();
    this.socket.listen();
  }

  fork(workerPath: string, argv: string[], options: ForkOptions): Promise<ChildProcess> {
    return this.pipes.fork(workerPath, argv, options);
  }

  address() {
    return this.socket.address();
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'open-handoff-pipe', fd: HANDOFF_FD }, null, () => {});
    this.rotation.add(worker);
    this.inFlight.set(worker, { handles: [], acknowledged: 0 });
    this.pipes.listen(worker.pid, (total) => this.acknowledged(worker, total));
    this.handoffWaiting();
  }

  remove(worker: WorkerLink): void {
    if (!this.rotation.remove(worker)) return;
    const stranded = this.inFlight.get(worker)!.handles;
    this.inFlight.delete(worker);
    this.pipes.forget(worker.pid);
    this.handles.unshift(...stranded);
    this.handoffWaiting();
  }

  /** Nothing more goes to a draining worker; the pipe's end says so after the last handle. */
  draining(worker: WorkerLink): void {
    this.pipes.end(worker.pid);
  }

  /** The worker has received `total` handles since it started: ours of those can go. */
  acknowledged(worker: WorkerLink, total: number): void {
    const state = this.inFlight.get(worker);
    if (!state || !(total > state.acknowledged)) return;
    for (const clientHandle of state.handles.splice(0, total - state.acknowledged)) closeHandle(clientHandle);
    state.acknowledged = total;
    this.handoffWaiting();
  }

  distribute(clientHandle: ClientHandle): void {
    const worker = this.nextWorker();
    if (worker) this.handoff(worker, clientHandle);
    else this.handles.push(clientHandle);
  }

  private handoffWaiting(): void {
    while (this.handles.length > 0) {
      const worker = this.nextWorker();
      if (!worker) return;
      this.handoff(worker, this.handles.shift()!);
    }
  }

  /** The next worker in rotation that takes connections and has room; null if none has. */
  private nextWorker(): WorkerLink | null {
    return this.rotation.take((worker) => worker.accepting && this.inFlight.get(worker)!.handles.length < MAX_IN_FLIGHT);
  }

  private handoff(worker: WorkerLink, clientHandle: ClientHandle): void {
    this.inFlight.get(worker)!.handles.push(clientHandle);
    this.pipes.send(worker.pid, clientHandle);
  }

  stopAccepting(): void {
    this.socket.close();
  }

  close(): void {
    this.socket.close();
    for (const clientHandle of this.handles.splice(0)) closeHandle(clientHandle);
    for (const { handles } of this.inFlight.values()) for (const clientHandle of handles.splice(0)) closeHandle(clientHandle);
    this.pipes.close();
  }
}
