/**
 * lib/worker/connections.ts — a worker's connections: what it has counted, which are open, how a drain
 * finishes them, and which ones it gives back to the master to move to another worker.
 *
 * Every connection, however it reached the worker (accepted on a shared or reuseport socket, taken from
 * the master's channel or its handle pipe, from Node's cluster, or moved from another worker), comes
 * through `serve`: counted, then answered with HTTP (lib/http/) on the transport the worker was told to
 * use. One that leaves (lib/http/connection.ts) is counted as given and handed to `onGiven` with the
 * order it answers, for the worker to send to the master.
 */
import type { ClientHandle } from '../binding/internals';
import type { Counts, Moved } from '../channel/messages';
import { Responder, type ConnectionObserver, type HttpConnection } from '../http/responder';
import type { Transport } from '../http/transport';
import { openTransport } from '../http/transports';
import type { WorkerSettings } from './settings';

export interface ConnectionsHooks {
  /** A draining worker's last connection has closed or left. */
  onEmpty(): void;
  /** A connection left, answering the order numbered `ack` (a `give`, or the `retire`). */
  onGiven(clientHandle: ClientHandle, moved: Moved, ack: number): void;
}

export class Connections implements ConnectionObserver {
  readonly counts: Counts = { connections: 0, requests: 0, received: 0, given: 0, open: 0 };
  private readonly open = new Set<HttpConnection>();
  private readonly responder: Responder;
  private draining = false;
  /** The `retire` order being carried out: every connection leaves at its next boundary. */
  private retiring: number | null = null;
  /** The order the connection leaving now answers. */
  private answering = 0;

  /** `transportFor`: how a handle is read and written (`--transport`), or a unit test's fake. */
  constructor(settings: WorkerSettings, private readonly hooks: ConnectionsHooks,
    private readonly transportFor: (clientHandle: ClientHandle) => Transport = (clientHandle) => openTransport(settings.transport, clientHandle)) {
    this.responder = new Responder(settings, this);
  }

  get size(): number {
    return this.open.size;
  }

  /** Requests begun and not yet answered, over every open connection (lib/channel/messages.ts, Load). */
  get inProgress(): number {
    let count = 0;
    for (const connection of this.open) if (connection.inProgress) count++;
    return count;
  }

  /** `moved`: it comes from another worker, in the middle of what `moved` says. */
  serve(clientHandle: ClientHandle, moved?: Moved): void {
    if (moved) this.counts.received++;
    else this.counts.connections++;
    const connection = this.responder.serve(this.transportFor(clientHandle), moved);
    this.open.add(connection);
    this.counts.open = this.open.size;
    if (this.retiring !== null) this.leaveAtBoundary(connection, this.retiring);
    else if (this.draining) connection.drain();
  }

  /** Each connection finishes what it has started and closes (lib/http/connection.ts, drain). */
  drain(): void {
    this.draining = true;
    for (const connection of this.open) connection.drain();
  }

  /** A drain in which each connection leaves at its next boundary, to move to the worker's successor. */
  retire(ack: number): void {
    this.draining = true;
    this.retiring = ack;
    for (const connection of [...this.open]) this.leaveAtBoundary(connection, ack);
  }

  /** Up to `count` connections between requests, not moved in the last second, leave now. Returns how many did. */
  give(count: number, ack: number): number {
    let left = 0;
    for (const connection of [...this.open]) {
      if (left === count) break;
      this.answering = ack;
      if (connection.moveIfIdle()) left++;
    }
    return left;
  }

  private leaveAtBoundary(connection: HttpConnection, ack: number): void {
    this.answering = ack;
    connection.moveAtBoundary();
  }

  requestServed(): void {
    this.counts.requests++;
  }

  connectionClosed(connection: HttpConnection): void {
    this.forget(connection);
  }

  connectionGiven(connection: HttpConnection, clientHandle: ClientHandle, moved: Moved): void {
    this.counts.given++;
    // A connection that leaves at a later boundary answers the retire; one that leaves now, the order at hand.
    this.hooks.onGiven(clientHandle, moved, this.retiring ?? this.answering);
    this.forget(connection);
  }

  private forget(connection: HttpConnection): void {
    this.open.delete(connection);
    this.counts.open = this.open.size;
    if (this.draining && this.open.size === 0) this.hooks.onEmpty();
  }
}
