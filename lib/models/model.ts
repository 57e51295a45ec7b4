/**
 * lib/models/model.ts — the one interface every distribution model implements, and the two ways a
 * model starts: the master accepts (acceptInMaster) or each worker listens (listenInWorker).
 *
 * Node's cluster does the same (lib/internal/cluster/primary.js picks a SharedHandle or a
 * RoundRobinHandle and never looks inside): the master forks and supervises, the model decides how a
 * connection reaches a worker. A model never imports child_process; it gets a `WorkerLink` whose
 * `send` is the transport, so it can be tested without processes.
 */
import { bindServerHandle, listen, type ClientHandle, type SendCallback, type ServerHandle } from '../binding';
import type { ChildProcess } from 'node:child_process';
import type { MasterMessage } from '../ipc';

export interface WorkerLink {
  readonly index: number;
  /** False once the worker is exiting or gone: a model must not hand it anything more. */
  readonly alive: boolean;
  send(message: MasterMessage, handle: ServerHandle | ClientHandle | null, callback: SendCallback): void;
}

export interface Model {
  /** Takes what the workers will share (binds the port, ...). Throws a HandleError if it cannot. */
  start(): void | Promise<void>;
  /** Forks a worker, for the models that need their own fork (Node's cluster); else child_process.fork. */
  fork?(workerPath: string, argv: string[]): ChildProcess;
  /** Where clients connect, known once start() has run (port 0 becomes the kernel's pick). */
  address(): { host: string; port: number };
  /** A worker was forked: give it what it needs to serve. */
  add(worker: WorkerLink): void;
  /** A worker exited: never send it anything again. */
  remove(worker: WorkerLink): void;
  /** A worker acknowledged a client handle (only models that ask for acks get this). */
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

/** A model that cannot run here (wrong Node, a missing program): one line says why and what to do. */
export class ModelUnavailableError extends Error {}

export interface ModelSettings {
  host: string;
  port: number;
  backlog: number;
  workers: number;
  log(line: string): void;
}

/**
 * For the models where the master accepts (rr, rr-idle): bind, listen, and pass each client handle on.
 * A failed accept leaves the listening socket fine, so it is logged, not thrown.
 */
export function acceptInMaster(settings: ModelSettings, onClient: (clientHandle: ClientHandle) => void): ServerHandle {
  const handle = bindServerHandle(settings.host, settings.port);
  listen(handle, settings.backlog, (error, clientHandle) => {
    if (error) settings.log(`master: ${error.message}`);
    else onClient(clientHandle!);
  });
  return handle;
}

/** For the model where each worker listens itself (Node's cluster, whose listen() asks the primary). */
export function listenInWorker(worker: WorkerLink, settings: ModelSettings, port: number): void {
  worker.send({ type: 'serve-net', host: settings.host, port, backlog: settings.backlog }, null, () => {});
}
