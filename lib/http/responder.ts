/**
 * lib/http/responder.ts — the hand-written HTTP/1.x responder every model shares.
 *
 * The article's worker writes a response the moment a connection arrives and ends the socket. That
 * works for ab in the best case and fails in two ways the kit must not:
 *   - it closes a socket whose request it never read. Closing with unread bytes in the receive queue
 *     makes the kernel send RST instead of FIN (tcp_close() in net/ipv4/tcp.c, RFC 2525 §2.17), and an
 *     RST can destroy the response the client has not read yet;
 *   - its socket has no 'error' listener, so the first client that resets the connection (EPIPE,
 *     ECONNRESET) throws in the worker and takes it down with every connection it holds.
 * This responder reads each request head first, answers it, keeps the connection open as HTTP/1.0 and
 * 1.1 say, and closes so that a client never gets an RST over a request it sent. It talks to the
 * connection through a Transport (transport.ts): the raw handle, or a net.Socket around it.
 *
 * How it closes, after the last response. A client that asked to close (HTTP/1.0, `Connection: close`)
 * and sent nothing more, no body and no next request, will send nothing more: the connection is closed at
 * once, and the kernel sends FIN after the response. Otherwise the client may still be sending (a body,
 * a pipelined request, a keep-alive client that did not expect the close), and a close with unread bytes
 * would be answered with RST, which can destroy the response on its way: then it closes in stages, FIN
 * and read until the client closes (RFC 9112 §9.6). nginx decides the same way (`lingering_close on`).
 *
 * Each connection follows the rules in connection.ts; this is what they share in one worker.
 */
import type { Moved } from './moved';
import { HttpConnection, type ConnectionContext, type ConnectionObserver, type ResponderOptions } from './connection';
import { Deadlines } from './deadlines';
import { Responses } from './responses';
import type { Transport } from './transport';
import { burn } from './work';

export { CrashRequestedError, HttpConnection, type ConnectionObserver, type ResponderOptions } from './connection';

/** One per worker: the responses, the deadline timer, and the rules every connection follows. */
export class Responder implements ConnectionContext {
  readonly responses: Responses;
  readonly deadlines: Deadlines;

  /**
   * `now` is the clock every deadline is set and read on: Date.now, or a unit test's; `spin` burns the
   * CPU a `/work` request asks for (work.ts), or records it in a unit test.
   */
  constructor(readonly options: ResponderOptions, readonly observer: ConnectionObserver, readonly now: () => number = Date.now,
    readonly spin: (microseconds: number) => void = burn) {
    this.responses = new Responses(options.slot, options.idleTimeoutMs);
    this.deadlines = new Deadlines(Math.min(options.headTimeoutMs, options.idleTimeoutMs), now);
  }

  /** Serves HTTP on one connection until either side closes it, or it moves on; `moved`: it comes from another worker. */
  serve(transport: Transport, moved?: Moved): HttpConnection {
    return new HttpConnection(transport, this, moved);
  }
}
