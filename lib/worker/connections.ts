/**
 * lib/worker/connections.ts — a worker's connections: what it has counted, which are open, and how a
 * drain finishes them.
 *
 * Every connection, however it reached the worker (accepted on a shared or reuseport socket, taken from
 * the master's channel or its handle pipe, or from Node's cluster), comes through `serve`: counted, then
 * answered with HTTP (lib/http/responder.ts) on the transport the worker was told to use.
 */
import type { ClientHandle } from '../binding/internals';
import type { Counts } from '../channel/messages';
import type { WorkerSettings } from './settings';
import { Responder, type ConnectionObserver, type HttpConnection } from '../http/responder';
import { openTransport } from '../http/transports';

export class Connections implements ConnectionObserver {
  readonly counts: Counts = { connections: 0, requests: 0 };
  private readonly open = new Set<HttpConnection>();
  private readonly responder: Responder;
  private draining = false;

  /** `onEmpty`: a draining worker's last connection has closed. */
  constructor(private readonly settings: WorkerSettings, private readonly onEmpty: () => void) {
    this.responder = new Responder(settings, this);
  }

  get size(): number {
    return this.open.size;
  }

  serve(clientHandle: ClientHandle): void {
    this.counts.connections++;
    const connection = this.responder.serve(openTransport(this.settings.transport, clientHandle));
    this.open.add(connection);
    if (this.draining) connection.drain();
  }

  /** Each connection finishes what it has started and closes (lib/http/responder.ts, drain). */
  drain(): void {
    this.draining = true;
    for (const connection of this.open) connection.drain();
  }

  requestServed(): void {
    this.counts.requests++;
  }

  connectionClosed(connection: HttpConnection): void {
    this.open.delete(connection);
    if (this.draining && this.open.size === 0) this.onEmpty();
  }
}
