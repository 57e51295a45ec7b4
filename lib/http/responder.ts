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
 * A connection is in one of four states, each with its deadline (deadlines.ts):
 *   idle     between requests (or before the first): closed, silently, after --idle-timeout;
 *   head     part of a request head has arrived: 408 if the rest is not there --head-timeout after
 *            its first byte;
 *   blocked  a response is queued because the client does not read: no reading until it does, closed
 *            after --idle-timeout without progress;
 *   closing  our FIN is out: what the client still sends is read and dropped, until it closes or
 *            LINGER_MS pass.
 */
import { bodySkipper, MalformedBodyError, type BodySkipper } from './body';
import { Deadlines, type Timed } from './deadlines';
import { HEAD_LIMIT, parseRequestHead, type RequestHead } from './head';
import { Responses, type ErrorStatus } from './responses';
import type { Transport, TransportReceiver } from './transport';

/**
 * After our FIN we keep reading (and dropping) what the client sends, so the kernel does not answer
 * unread bytes with RST; the client gets this long to close. Like nginx's `lingering_timeout`.
 */
const LINGER_MS = 5000;

export interface ResponderOptions {
  slot: number;
  /** A request head must be complete this long after its first byte arrives, or the client gets 408. */
  headTimeoutMs: number;
  /** A connection with no request in progress is closed after this long without a byte. */
  idleTimeoutMs: number;
  /** `GET /crash` throws out of the event loop: the worker dies the way a bug would kill it. */
  allowCrash?: boolean;
}

/** Whoever counts: the worker. One object for every connection, so no closure per connection. */
export interface ConnectionObserver {
  requestServed(): void;
  connectionClosed(connection: HttpConnection): void;
}

/** What the crash route throws; the worker has no handler for it, which is the point. */
export class CrashRequestedError extends Error {}

/** One per worker: the responses, the deadline timer, and the rules every connection follows. */
export class Responder {
  readonly responses: Responses;
  readonly deadlines: Deadlines;

  /** `now` is the clock every deadline is set and read on: Date.now, or a unit test's. */
  constructor(readonly options: ResponderOptions, readonly observer: ConnectionObserver, readonly now: () => number = Date.now) {
    this.responses = new Responses(options.slot, options.idleTimeoutMs);
    this.deadlines = new Deadlines(Math.min(options.headTimeoutMs, options.idleTimeoutMs), now);
  }

  /** Serves HTTP on one connection until either side closes it. */
  serve(transport: Transport): HttpConnection {
    return new HttpConnection(transport, this);
  }
}

export class HttpConnection implements TransportReceiver, Timed {
  deadline: number;
  /** Bytes of a request head that has not fully arrived yet (copied: reads land in a shared buffer). */
  private partialHead: Buffer | null = null;
  private headStartedAt = 0;
  /** Set while a request body is streaming in: it is skipped, never parsed as a request. */
  private body: BodySkipper | null = null;
  /** Our FIN is decided: input is read and dropped from now on. */
  private closing = false;
  /** Set by drain(): each request from now on is answered with `connection: close`. */
  private draining = false;
  /** A write is queued because the client does not read: we stopped reading until it drains. */
  private blocked = false;
  /** Responses to the requests of one read, sent in one write (pipelined requests cost one syscall). */
  private readonly outgoing: Buffer[] = [];

  constructor(private readonly transport: Transport, private readonly responder: Responder) {
    this.deadline = responder.now() + responder.options.idleTimeoutMs;
    responder.deadlines.watch(this);
    transport.start(this);
  }

  onBytes(chunk: Buffer): void {
    if (this.closing) return;
    const input = this.partialHead ? Buffer.concat([this.partialHead, chunk]) : chunk;
    this.partialHead = null;
    try {
      this.consume(input);
    } catch (error) {
      if (!(error instanceof MalformedBodyError)) throw error;
      this.fail(400);
    }
    if (this.closing) return;
    this.flush();
    if (!this.partialHead && !this.blocked) this.deadline = this.responder.now() + this.responder.options.idleTimeoutMs;
  }

  /** Pipelined requests are answered in the order they arrive, each as soon as its head is complete. */
  private consume(input: Buffer): void {
    let offset = 0;
    while (offset < input.length && !this.closing) {
      if (this.body) {
        const end = this.body.skip(input, offset);
        if (end === -1) return;
        this.body = null;
        offset = end;
        continue;
      }
      const text = input.toString('latin1', offset, Math.min(input.length, offset + HEAD_LIMIT + 1));
      const result = parseRequestHead(text);
      if (result.kind === 'incomplete') return this.keepPartialHead(input.subarray(offset));
      if (result.kind === 'error') return this.fail(result.status);
      offset += result.length;
      this.respond(result.head, offset === input.length);
      this.body = bodySkipper(result.head.body);
    }
  }

  private keepPartialHead(bytes: Buffer): void {
    this.partialHead = Buffer.from(bytes);
    if (!this.headStartedAt) {
      this.headStartedAt = this.responder.now();
      this.deadline = this.headStartedAt + this.responder.options.headTimeoutMs;
    }
  }

  /** `lastBytes`: nothing arrived after this request's head. */
  private respond(head: RequestHead, lastBytes: boolean): void {
    const { options, observer, responses } = this.responder;
    if (options.allowCrash && head.target === '/crash') throw new CrashRequestedError('GET /crash (--allow-crash)');
    this.headStartedAt = 0;
    observer.requestServed();
    const keepAlive = head.keepAlive && !this.draining;
    const response = responses.pick(head, keepAlive);
    if (keepAlive) this.outgoing.push(response);
    else this.finish(response, !head.keepAlive && head.body.kind === 'none' && lastBytes);
  }

  private flush(): void {
    if (this.outgoing.length === 0) return;
    const bytes = this.outgoing.length === 1 ? this.outgoing[0]! : Buffer.concat(this.outgoing);
    this.outgoing.length = 0;
    // A client that pipelines faster than it reads would make us queue responses without bound: stop
    // reading until the kernel's send buffer has room again.
    if (!this.transport.write(bytes) && !this.closing) {
      this.blocked = true;
      this.transport.pause();
      this.deadline = this.responder.now() + this.responder.options.idleTimeoutMs;
    }
  }

  /** After an error the client may well be sending still: always the staged close. */
  private fail(status: ErrorStatus): void {
    this.finish(this.responder.responses.error(status), false);
  }

  /**
   * The last response, after any still outgoing. `clientIsDone`: close at once; otherwise FIN, and input
   * is read and dropped until the client closes (or LINGER_MS).
   */
  private finish(lastResponse: Buffer, clientIsDone: boolean): void {
    this.outgoing.push(lastResponse);
    const bytes = this.outgoing.length === 1 ? lastResponse : Buffer.concat(this.outgoing);
    this.outgoing.length = 0;
    this.closing = true;
    this.partialHead = null;
    this.body = null;
    if (clientIsDone) return this.transport.closeAfter(bytes);
    this.transport.end(bytes);
    if (this.blocked) this.transport.resume();
    this.deadline = this.responder.now() + LINGER_MS;
  }

  /**
   * Graceful shutdown: from now on each request is answered with `connection: close` and the connection
   * closes after it. A kept-alive connection between requests is not closed now: a client may be sending
   * its next request at this instant, and would read EOF instead of an answer. It closes after its next
   * response, or once it has been idle for the timeout every response announced (`keep-alive:
   * timeout=N`), whichever comes first; --drain-timeout bounds the whole drain.
   */
  drain(): void {
    this.draining = true;
  }

  onEnd(): void {
    // The transport ends our side and closes once our bytes are out; a half-sent head is dropped.
    this.closing = true;
    this.partialHead = null;
  }

  onWritten(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.transport.resume();
    if (!this.closing) this.deadline = this.responder.now() + this.responder.options.idleTimeoutMs;
  }

  onClosed(): void {
    this.responder.deadlines.unwatch(this);
    this.responder.observer.connectionClosed(this);
  }

  onDeadline(): void {
    if (this.partialHead && !this.closing) return this.fail(408);
    this.transport.close();
  }
}
