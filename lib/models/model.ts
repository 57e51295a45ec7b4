/**
 * lib/models/model.ts — the one interface every distribution model implements.
 *
 * Node's cluster does the same (lib/internal/cluster/primary.js picks a SharedHandle or a
 * RoundRobinHandle and never looks inside): the master forks and supervises, the model decides how a
 * connection reaches a worker. A model never imports child_process to talk to a worker; it gets a
 * `WorkerLink` whose `send` is the channel, so it can be tested without processes.
 */
import type { ClientHandle, ServerHandle } from '../binding/internals';
import type { Load, OrderBody, Report } from '../channel/messages';
import type { Scheduler } from './scheduler';

/** What a model needs of a worker's handle pipe (lib/channel/handle-pipe.ts). */
export interface PipeLink {
  /** Writes one handle; `taken` is called once the worker has acknowledged it. */
  send(clientHandle: ClientHandle, taken: () => void): void;
}

/** A worker process, as a model sees it. */
export interface WorkerLink {
  /** Its position, 0..N-1 (its responses' `x-slot`); a replacement takes the slot of the worker it replaces. */
  readonly slot: number;
  readonly pid: number;
  /** True until it is told to drain, or exits: after that a model hands it nothing new. */
  readonly takesConnections: boolean;
  /**
   * Sends an order on its control channel (lib/channel/control.ts), with a handle or none. `answered`
   * gets the report that names the order; `failed` hears that it could not be written.
   */
  send(order: OrderBody, handle: ServerHandle | ClientHandle | null, answered?: (report: Report) => void,
    failed?: (error: Error) => void): void;
  /** Its handle pipe, the kit's own channel for handles, many in flight. */
  readonly pipe: PipeLink;
  /**
   * It has taken a connection the master handed it: it holds one more before its next report says so
   * (reports come every COUNT_INTERVAL_MS at most; --rebalance reads what the master knows now).
   */
  tookConnection(): void;
  /** Connections it holds as the master knows them now: its last report, and those it has taken since. */
  readonly open: number;
  /** How busy it said it is, on its latest acknowledgement or report (lib/channel/messages.ts, Load). */
  readonly load: Load;
}

/**
 * How a model's workers are forked: child_process.fork(), or Node's cluster.fork() with a scheduling
 * policy. Either way each is born with a handle pipe at fd 4 (lib/channel/handle-pipe.ts).
 */
export type ForkKind = 'child_process' | 'cluster-rr' | 'cluster-none';

export interface Address { host: string; port: number }

export interface Model {
  readonly fork: ForkKind;
  /** Takes what the workers will share (binds the port, ...). Throws a HandoffError if it cannot. */
  start(): void | Promise<void>;
  /** Where clients connect, known once start() has run (port 0 becomes the kernel's pick). */
  address(): Address;
  /** A worker was forked: tell it how connections will reach it. */
  add(worker: WorkerLink): void;
  /** A worker exited: never send it anything again, and give what it had not taken to the others. */
  remove(worker: WorkerLink): void;
  /**
   * Graceful stop, before the workers drain: stop taking new connections where the master takes them
   * (the master's listening socket, nginx), or drop the master's copies of the sockets the workers
   * listen on, so they close once the last worker has drained.
   */
  stopListening(): void | Promise<void>;
  /** Releases what start() took. */
  close(): void | Promise<void>;
}

export const nginxBalances = ['round-robin', 'least-conn'] as const;
export type NginxBalance = (typeof nginxBalances)[number];

export interface ModelSettings {
  host: string;
  port: number;
  backlog: number;
  workers: number;
  /** Something went wrong that the model survives (a handle that could not be sent): one line. */
  warn(message: string): void;
  /** least-loaded's choice of a worker (scheduler.ts); null or absent: its default. */
  scheduler?: Scheduler | null;
  /** How nginx chooses an upstream: its round robin (the default) or least_conn. */
  nginxBalance?: NginxBalance;
}

/** The order and the socket a worker listens on, for the models where the master binds (shared, reuseport, nginx). */
export function listenOn(worker: WorkerLink, settings: ModelSettings, handle: ServerHandle): void {
  // A failed send means the worker is already gone; the supervisor hears of that from its exit.
  worker.send({ type: 'listen', backlog: settings.backlog }, handle);
}
