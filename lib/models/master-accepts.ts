/**
 * lib/models/master-accepts.ts — what every model where the master accepts has in common.
 *
 * The master is the only process that listens and accepts; each client handle it accepts is handed to
 * a worker, on the worker's control channel (a `take` order, answered `taken`) or on its handle pipe
 * (lib/channel/handle-pipe.ts, acknowledged by a running number). No herd: one process waits on the
 * listening socket. The cost: every connection crosses the master, an accept4(), a sendmsg() and a
 * close() there, a recvmsg() in the worker.
 *
 * What the models share is here, and what differs is one method, as undici's pools differ only in
 * `kGetDispatcher`: `choose()` picks the worker for the next connection (rr.ts, rr-free.ts,
 * rr-pipelined.ts, least-loaded.ts). Two things a naive version gets wrong, both handled here once:
 *   - the master's copy of each client fd. A raw handle is sent as 'net.Native', which has no postSend,
 *     so nothing closes it: each handle is closed here when its worker has taken it, or the master
 *     leaks an fd per connection;
 *   - handles in flight to a worker that dies. A completed send only means the fd is in the socketpair;
 *     if the worker dies before it reads it, the kernel closes that copy and the client is reset. So the
 *     master keeps its copy until the worker has taken it, and a worker that dies leaves what it had not
 *     taken to the others, oldest first (which Node's RoundRobinHandle does not do).
 *
 * State at a glance: `waiting` (accepted, no worker yet), `inFlight` (handed, not yet taken, per worker),
 * `rotation` (the workers in the order they joined, for the models that take turns).
 */
import type { ClientHandle, ServerHandle } from '../binding/internals';
import { bindServerHandle, boundAddress, closeHandle, listen } from '../binding/tcp';
import type { Address, ForkKind, Model, ModelSettings, WorkerLink } from './model';
import { InFlight } from './in-flight';
import { Rotation } from './rotation';

export abstract class MasterAccepts implements Model {
  readonly fork: ForkKind;
  private socket: ServerHandle | null = null;
  private readonly waiting: ClientHandle[] = [];
  private readonly inFlight: InFlight<WorkerLink, ClientHandle>;
  private readonly rotation = new Rotation<WorkerLink>();

  /**
   * `via`: the control channel (one handle at a time per worker) or the handle pipe (many in flight);
   * `now`: the clock handles in flight are timed on (ms; a unit test's, or performance.now).
   */
  constructor(protected readonly settings: ModelSettings, private readonly via: 'control' | 'pipe', now?: () => number) {
    this.fork = 'child_process';
    this.inFlight = new InFlight(now);
  }

  /** The worker for the next connection, or null if none can take one now (it waits in the master). */
  protected abstract choose(): WorkerLink | null;

  /** A worker has taken a handle (rr-free frees it). */
  protected taken(_worker: WorkerLink): void {}

  start(): void {
    const { host, port, backlog } = this.settings;
    this.socket = bindServerHandle(host, port);
    listen(this.socket, backlog, (clientHandle) => this.distribute(clientHandle), { host, port });
  }

  address(): Address {
    return { host: this.settings.host, port: boundAddress(this.socket!).port };
  }

  add(worker: WorkerLink): void {
    worker.send({ type: 'await-connections' }, null);
    this.rotation.add(worker);
    this.joined(worker);
    this.handWaiting();
  }

  /** A worker joined (rr-free marks it free). */
  protected joined(_worker: WorkerLink): void {}

  remove(worker: WorkerLink): void {
    if (!this.rotation.remove(worker)) return;
    const stranded = this.inFlight.takeFrom(worker);
    this.left(worker);
    // Never taken: the worker may never have seen them. Served first, oldest first.
    this.waiting.unshift(...stranded);
    this.handWaiting();
  }

  /** A worker left (rr-free forgets it). */
  protected left(_worker: WorkerLink): void {}

  distribute(clientHandle: ClientHandle): void {
    this.waiting.push(clientHandle);
    this.handWaiting();
  }

  /** How many handles a worker has not taken yet. */
  protected inFlightTo(worker: WorkerLink): number {
    return this.inFlight.countFor(worker);
  }

  /** How long, in ms, the oldest handle a worker has not taken has waited; 0 when none. */
  protected waitedOn(worker: WorkerLink): number {
    return this.inFlight.waitedFor(worker);
  }

  /** The next worker in turn, from where the rotation stands, that `canTake`; null if none can. */
  protected nextInTurn(canTake: (worker: WorkerLink) => boolean): WorkerLink | null {
    return this.rotation.take(canTake);
  }

  /** The workers that `canTake`, in turn order, without moving the rotation (least-loaded.ts). */
  protected inTurn(canTake: (worker: WorkerLink) => boolean): WorkerLink[] {
    return this.rotation.inTurn(canTake);
  }

  /** `worker` takes the next connection: the turn goes on from the one after it. */
  protected passTo(worker: WorkerLink): WorkerLink {
    this.rotation.passTo(worker);
    return worker;
  }

  private handWaiting(): void {
    while (this.waiting.length > 0) {
      const worker = this.choose();
      if (!worker) return;
      this.hand(worker, this.waiting.shift()!);
    }
  }

  private hand(worker: WorkerLink, clientHandle: ClientHandle): void {
    this.inFlight.add(worker, clientHandle);
    const taken = () => this.onTaken(worker, clientHandle);
    if (this.via === 'pipe') return worker.pipe.send(clientHandle, taken);
    worker.send({ type: 'take' }, clientHandle, taken, (error) => {
      this.settings.warn(`could not hand a connection to slot ${worker.slot} (pid ${worker.pid}): ${error.message}`);
      // Never sent: take it back, unless remove() already did, and hand it to another.
      if (this.inFlight.remove(worker, clientHandle)) this.distribute(clientHandle);
    });
  }

  /** The worker has the fd: ours can go. */
  private onTaken(worker: WorkerLink, clientHandle: ClientHandle): void {
    if (!this.inFlight.remove(worker, clientHandle)) return;
    closeHandle(clientHandle);
    worker.tookConnection();
    this.taken(worker);
    this.handWaiting();
  }

  /** Stop taking connections: new ones are refused by the kernel instead of queuing for nobody. */
  stopListening(): void {
    if (this.socket) closeHandle(this.socket);
    this.socket = null;
  }

  close(): void {
    this.stopListening();
    for (const clientHandle of this.waiting.splice(0)) closeHandle(clientHandle);
    for (const clientHandle of this.inFlight.takeAll()) closeHandle(clientHandle);
  }
}
