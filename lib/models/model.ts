/**
 * lib/models/model.ts — the one interface every distribution model implements, and the ways a model
 * starts: the master accepts (MasterSocket), the master binds and each worker listens on its socket
 * (listenOn), or each worker listens itself (listenInWorker).
 *
 * Node's cluster does the same (lib/internal/cluster/primary.js picks a SharedHandle or a
 * RoundRobinHandle and never looks inside): the master forks and supervises, the model decides how a
 * connection reaches a worker. A model never imports child_process to talk to a worker; it gets a
 * `WorkerLink` whose `send` is the transport, so it can be tested without processes.
 */
import type { ChildProcess, ForkOptions } from 'node:child_process';
import { bindServerHandle, boundAddress, closeHandle, listen, type ClientHandle, type SendCallback, type ServerHandle } from '../binding';
import type { MasterMessage } from '../ipc';

/** A worker process, as a model sees it. */
export interface WorkerLink {
  /** Its position, 0..N-1 (its responses' `x-slot`); a replacement takes the slot of the worker it replaces. */
  readonly slot: number;
  readonly pid: number;
  /** True until it is told to drain or exits: after that a model hands it nothing new. */
  readonly accepting: boolean;
  send(message: MasterMessage, handle: ServerHandle | ClientHandle | null, callback: SendCallback): void;
}

export interface Model {
  /** Takes what the workers will share (binds the port, ...). Throws a HandoffError if it cannot. */
  start(): void | Promise<void>;
  /**
   * Forks a worker, for the models that need more than child_process.fork() with the supervisor's
   * options: Node's cluster forks its own; rr-pipelined gives each worker a pipe of its own at birth.
   */
  fork?(workerPath: string, argv: string[], options: ForkOptions): Promise<ChildProcess>;
  /** Where clients connect, known once start() has run (port 0 becomes the kernel's pick). */
  address(): { host: string; port: number };
  /** A worker was forked: give it what it needs to serve. */
  add(worker: WorkerLink): void;
  /** A worker was told to drain (it is no longer `accepting`): models that need to, tell it nothing more comes. */
  draining?(worker: WorkerLink): void;
  /** A worker exited: never send it anything again, and give what it had not taken to the others. */
  remove(worker: WorkerLink): void;
  /** A worker acknowledged a client handle (only the models that send `connection` messages get this). */
  accepted?(worker: WorkerLink): void;
  /**
   * Graceful stop, before the workers drain: stop taking new connections where the master takes them
   * (rr's listening socket, nginx), or drop the master's copies of the sockets the workers listen on, so
   * they close once the last worker has drained. Models that hold nothing stop when their workers drain.
   */
  stopAccepting?(): void | Promise<void>;
  /** Releases what start() took. */
  close(): void | Promise<void>;
}

export interface ModelSettings {
  host: string;
  port: number;
  backlog: number;
  workers: number;
  /** Something went wrong that the model survives (a handle that could not be sent): one line. */
  warn(message: string): void;
}

/** The listening socket of the models where the master accepts (rr, rr-idle, rr-pipelined). */
export class MasterSocket {
  private handle: ServerHandle | null = null;

  constructor(private readonly settings: ModelSettings, private readonly onClient: (clientHandle: ClientHandle) => void) {}

  /** Binds, listens, and passes each client handle the kernel gives us on. */
  listen(): void {
    const { host, port, backlog } = this.settings;
    this.handle = bindServerHandle(host, port);
    listen(this.handle, backlog, this.onClient, { host, port });
  }

  address() {
    return { host: this.settings.host, port: boundAddress(this.handle!).port };
  }

  /** Stop taking connections: new ones are refused by the kernel instead of queuing for nobody. */
  close(): void {
    if (this.handle) closeHandle(this.handle);
    this.handle = null;
  }
}

/** For the model where each worker listens itself (Node's cluster, whose listen() asks the primary). */
export function listenInWorker(worker: WorkerLink, settings: ModelSettings, port: number): void {
  worker.send({ type: 'listen-net', host: settings.host, port, backlog: settings.backlog }, null, () => {});
}

/** The message and the socket a worker listens on, for the models where the master binds (shared, reuseport, nginx). */
export function listenOn(worker: WorkerLink, settings: ModelSettings, handle: ServerHandle): void {
  // A failed send means the worker is already gone; the supervisor hears of that from its exit.
  worker.send({ type: 'listen', backlog: settings.backlog }, handle, () => {});
}
