/**
 * lib/http/connection.ts — one connection's HTTP: read each request head, answer it, keep alive or
 * close, and, between two requests, give the connection up to move to another worker.
 *
 * A connection is in one of four states, each with its deadline (deadlines.ts):
 *   idle     between requests (or before the first): closed, silently, after --idle-timeout;
 *   head     part of a request head has arrived: 408 if the rest is not there --head-timeout after
 *            its first byte;
 *   blocked  a response is queued because the client does not read: no reading until it does, closed
 *            after --idle-timeout without progress;
 *   closing  our FIN is out: what the client still sends is read and dropped, until it closes or
 *            LINGER_MS pass.
 *
 * Moving. A connection can leave its worker at a request boundary: no body streaming in, no response
 * queued, not closing (idle, or in `head`: a half-arrived head goes along). It stops reading, and hands
 * its handle and what it was in the middle of (`Moved`: the bytes read and not yet parsed, its deadline,
 * when its head began) to whoever asked (the worker's Connections); the receiving worker serves it from
 * those bytes on (`moved`, in the constructor). Bytes that arrive meanwhile wait in the kernel, in the
 * socket itself. A connection asked to move at its next boundary (`moveAtBoundary`, a retiring worker's)
 * answers the request it is reading, stops there, and goes, with whatever followed that request in the
 * same read.
 */
import type { ClientHandle } from '../binding/internals';
import type { Moved } from './moved';
import { bodySkipper, MalformedBodyError, type BodySkipper } from './body';
import type { Deadlines, Timed } from './deadlines';
import { HEAD_LIMIT, parseRequestHead, type RequestHead } from './head';
import type { ErrorStatus, Responses } from './responses';
import { workOf } from './work';
import type { Transport, TransportReceiver } from './transport';

/**
 * After our FIN we keep reading (and dropping) what the client sends, so the kernel does not answer
 * unread bytes with RST; the client gets this long to close. Like nginx's `lingering_timeout`.
 */
const LINGER_MS = 5000;
/** A connection moved this recently is not moved again to even out the workers: no ping-pong. */
export const MOVE_COOLDOWN_MS = 1000;
const NOTHING = Buffer.alloc(0);

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
  /** The connection left at a request boundary: its handle, open, and what it was in the middle of. */
  connectionGiven(connection: HttpConnection, clientHandle: ClientHandle, moved: Moved): void;
}

/** What every connection of a worker shares (responder.ts). */
export interface ConnectionContext {
  readonly options: ResponderOptions;
  readonly observer: ConnectionObserver;
  readonly responses: Responses;
  readonly deadlines: Deadlines;
  now(): number;
  /** Burns CPU for `GET /work?us=N` (work.ts): a busy loop, or a unit test's record of it. */
  spin(microseconds: number): void;
}

/** What the crash route throws; the worker has no handler for it, which is the point. */
export class CrashRequestedError extends Error {}

export class HttpConnection implements TransportReceiver, Timed {
  deadline: number;
  /** Bytes read and not parsed yet: a request head still arriving, or what follows a boundary we stopped at. */
  private unparsed: Buffer | null = null;
  private headStartedAt: number;
  /** Set while a request body is streaming in: it is skipped, never parsed as a request. */
  private body: BodySkipper | null = null;
  /** Our FIN is decided: input is read and dropped from now on. */
  private closing = false;
  /** Set by drain(): each request from now on is answered with `connection: close`. */
  private draining = false;
  /** A write is queued because the client does not read: we stopped reading until it is written. */
  private blocked = false;
  /** Set by moveAtBoundary(): the connection leaves at its next request boundary. */
  private leaving = false;
  private readonly movedAt: number;
  /** Responses to the requests of one read, sent in one write (pipelined requests cost one syscall). */
  private readonly outgoing: Buffer[] = [];

  /** `moved`: it comes from another worker, and goes on where it was (its bytes, its deadline). */
  constructor(private readonly transport: Transport, private readonly context: ConnectionContext, moved?: Moved) {
    this.deadline = moved?.deadline ?? context.now() + context.options.idleTimeoutMs;
    this.headStartedAt = moved?.headStartedAt ?? 0;
    this.movedAt = moved?.movedAt ?? 0;
    context.deadlines.watch(this);
    transport.start(this);
    if (moved?.bytes) this.onBytes(Buffer.from(moved.bytes, 'base64'));
  }

  onBytes(chunk: Buffer): void {
    if (this.closing) return;
    const input = this.unparsed ? Buffer.concat([this.unparsed, chunk]) : chunk;
    this.unparsed = null;
    try {
      this.consume(input);
    } catch (error) {
      if (!(error instanceof MalformedBodyError)) throw error;
      this.fail(400);
    }
    if (this.closing) return;
    this.flush();
    if (!this.headStartedAt && !this.blocked) this.deadline = this.context.now() + this.context.options.idleTimeoutMs;
    if (this.leaving) this.leave();
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
      // A boundary: a connection that is leaving stops here, and what follows goes with it.
      if (this.leaving) return void (this.unparsed = Buffer.from(input.subarray(offset)));
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
    this.unparsed = Buffer.from(bytes);
    if (!this.headStartedAt) {
      this.headStartedAt = this.context.now();
      this.deadline = this.headStartedAt + this.context.options.headTimeoutMs;
    }
  }

  /** `lastBytes`: nothing arrived after this request's head. */
  private respond(head: RequestHead, lastBytes: boolean): void {
    const { options, observer, responses } = this.context;
    if (options.allowCrash && head.target === '/crash') throw new CrashRequestedError('GET /crash (--allow-crash)');
    const work = workOf(head.target);
    if (work === 'bad') return this.fail(400);
    if (work) this.context.spin(work);
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
      this.deadline = this.context.now() + this.context.options.idleTimeoutMs;
    }
  }

  /** After an error the client may well be sending still: always the staged close. */
  private fail(status: ErrorStatus): void {
    this.finish(this.context.responses.error(status), false);
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
    this.unparsed = null;
    this.body = null;
    if (clientIsDone) return this.transport.closeAfter(bytes);
    this.transport.end(bytes);
    if (this.blocked) this.transport.resume();
    this.deadline = this.context.now() + LINGER_MS;
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

  /** A request has begun and its answer has not all gone: a head or body arriving, or an answer the client has not read. */
  get inProgress(): boolean {
    return !this.closing && (this.headStartedAt !== 0 || this.body !== null || this.blocked);
  }

  /** At a request boundary now, and free to go: no body streaming in, nothing queued, not closing. */
  private get atBoundary(): boolean {
    return !this.closing && !this.blocked && !this.body && this.outgoing.length === 0;
  }

  /** Moves now if it is between requests and was not moved in the last MOVE_COOLDOWN_MS. */
  moveIfIdle(): boolean {
    return this.context.now() - this.movedAt >= MOVE_COOLDOWN_MS && this.leave();
  }

  /** Moves at its next request boundary (now, if it is at one), whenever it was last moved. */
  moveAtBoundary(): void {
    this.leaving = true;
    this.leave();
  }

  /**
   * Gives the connection up if it is at a boundary and the transport can let it go. One that was asked
   * to leave and cannot (net.Socket still writing an answer) stays, and closes after its next answer,
   * as a drain would close it.
   */
  private leave(): boolean {
    if (!this.atBoundary) return false;
    const clientHandle = this.transport.release();
    if (!clientHandle) {
      if (this.leaving) this.stay();
      return false;
    }
    const now = this.context.now();
    const moved: Moved = {
      bytes: (this.unparsed ?? NOTHING).toString('base64'), deadline: this.deadline, headStartedAt: this.headStartedAt,
      movedAt: now, from: this.context.options.slot,
    };
    this.context.deadlines.unwatch(this);
    this.context.observer.connectionGiven(this, clientHandle, moved);
    return true;
  }

  private stay(): void {
    this.leaving = false;
    this.draining = true;
    // What was held at the boundary is read now, and answered with `connection: close`.
    if (this.unparsed && !this.headStartedAt) this.onBytes(NOTHING);
  }

  onEnd(): void {
    // The transport ends our side and closes once our bytes are out; a half-sent head is dropped.
    this.closing = true;
    this.unparsed = null;
  }

  onWritten(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.transport.resume();
    if (!this.closing) this.deadline = this.context.now() + this.context.options.idleTimeoutMs;
    if (this.leaving) this.leave();
  }

  onClosed(): void {
    this.context.deadlines.unwatch(this);
    this.context.observer.connectionClosed(this);
  }

  onDeadline(): void {
    if (this.headStartedAt && !this.closing) return this.fail(408);
    this.transport.close();
  }
}
