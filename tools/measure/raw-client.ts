/**
 * tools/measure/raw-client.ts — the load tool's HTTP client, on raw libuv handles: one connection, one
 * request at a time, kept alive or one per request.
 *
 * A load generator that spends more CPU per request than the server measures itself: on two cores the
 * client takes the server's CPU. Here undici's pool managed about a quarter of ab's rate with a
 * connection per request and a fifth of wrk's with keep-alive, net.Socket about 40% of ab's. This is the
 * server's own technique turned round (lib/binding/tcp.ts connectTcp, lib/binding/stream.ts): a TCP
 * handle, one write per request, reads into the buffer every read shares, and nothing else; its time goes
 * to connect(), write() and close() in the kernel, as ab's does (notes/uneven.md has the rates).
 *
 * It reads answers the way ab does: a status line, and a body of the length announced. It asks only
 * GET and never pipelines, so an answer is its head and `content-length` bytes; an answer without one, or
 * with bytes after it, is a bad answer. Without keep-alive it sends `connection: close` and reads to the
 * server's FIN; with keep-alive it asks again on the same connection, and connects again if the server
 * closed it.
 */
import os from 'node:os';
import util from 'node:util';
import type { ClientHandle } from '../../lib/binding/internals';
import { startReading, UV_EOF, writeBytes, type StreamOwner } from '../../lib/binding/stream';
import { closeHandle, connectTcp } from '../../lib/binding/tcp';
import { Deadlines, type Timed } from '../../lib/http/deadlines';

export interface Answer {
  status: number;
  /** The `x-slot` header, NaN without one. */
  slot: number;
  bodyBytes: number;
}

/** A failure with the code load.ts sorts by (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EBADANSWER). */
export class ClientError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const STATUS = /^HTTP\/1\.[01] (\d{3}) /;
const SLOT = /\r\nx-slot: *(\d+)/i;
const LENGTH = /\r\ncontent-length: *(\d+)/i;
const CLOSE = /\r\nconnection: *close/i;
/** One timer for every request of a timeout, as a worker keeps its connections' (lib/http/deadlines.ts). */
const deadlinesByTimeout = new Map<number, Deadlines>();

function errnoError(errno: number): ClientError {
  const code = util.getSystemErrorName(errno);
  return new ClientError(code, `${code} (${os.constants.errno[code as keyof typeof os.constants.errno] ?? errno})`);
}

/** The answer's head, once it is all there: what it says, and how long the whole answer is (null: to the FIN). */
export function readHead(text: string): { answer: Answer; length: number | null; closes: boolean } | null {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const status = STATUS.exec(text);
  if (!status) throw new ClientError('EBADANSWER', `not an HTTP answer: ${JSON.stringify(text.slice(0, 40))}`);
  const head = text.slice(0, headEnd + 2);
  const length = LENGTH.exec(head);
  const bodyBytes = length ? Number(length[1]) : 0;
  return {
    answer: { status: Number(status[1]), slot: Number(SLOT.exec(head)?.[1] ?? NaN), bodyBytes },
    length: length ? headEnd + 4 + bodyBytes : null, closes: CLOSE.test(head),
  };
}

/** One connection of the load: the owner of its handle's callbacks (stream.ts) while a request is out. */
export class RawConnection implements StreamOwner, Timed {
  deadline = Infinity;
  private handle: ClientHandle | null = null;
  private text = '';
  private request: Buffer | null = null;
  private pending: { resolve(answer: Answer): void; reject(error: Error): void } | null = null;
  private readonly deadlines: Deadlines;
  /** Each path's request, as bytes, made once. */
  private readonly requests = new Map<string, Buffer>();

  constructor(private readonly host: string, private readonly port: number, private readonly keepAlive: boolean,
    private readonly timeoutMs: number) {
    let deadlines = deadlinesByTimeout.get(timeoutMs);
    if (!deadlines) deadlinesByTimeout.set(timeoutMs, deadlines = new Deadlines(timeoutMs));
    this.deadlines = deadlines;
  }

  /** GET `path`; resolves with the answer once it is all read, on this connection or a new one. */
  ask(path: string): Promise<Answer> {
    this.request = this.requests.get(path) ?? null;
    if (!this.request) {
      this.request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n` +
        `${this.keepAlive ? '' : 'Connection: close\r\n'}\r\n`, 'latin1');
      this.requests.set(path, this.request);
    }
    this.text = '';
    this.deadline = Date.now() + this.timeoutMs;
    this.deadlines.watch(this);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (this.handle) return this.send();
      const status = connectTcp(this.host, this.port, (connected, clientHandle) => this.connected(connected, clientHandle));
      if (status < 0) this.fail(errnoError(status));
    });
  }

  private connected(status: number, clientHandle: ClientHandle): void {
    if (status < 0) return this.fail(errnoError(status));
    if (!this.pending) return closeHandle(clientHandle);
    this.handle = clientHandle;
    startReading(clientHandle, this);
    this.send();
  }

  private send(): void {
    const written = writeBytes(this.handle!, this.request!);
    if (written < 0) this.fail(errnoError(written));
  }

  onBytes(bytes: Buffer): void {
    if (!this.pending) return this.fail(new ClientError('EBADANSWER', 'bytes nobody asked for'));
    // The bytes are a view on the buffer every read shares: latin1 copies them, one byte a character.
    this.text += bytes.toString('latin1');
    try {
      const head = readHead(this.text);
      if (!head || head.length === null || this.text.length < head.length) return;
      if (this.text.length > head.length) throw new ClientError('EBADANSWER', `${this.text.length - head.length} bytes after the answer`);
      if (this.keepAlive && !head.closes) return this.settle(head.answer, false);
      // The server closes after this answer: its FIN (onEnd) ends the request.
    } catch (error) {
      this.fail(error as Error);
    }
  }

  onEnd(errno: number): void {
    if (!this.pending) return this.close();
    if (errno !== UV_EOF) return this.fail(errnoError(errno));
    try {
      const head = readHead(this.text);
      if (!head) throw new ClientError('ECONNRESET', 'closed before an answer');
      const complete = head.length === null ? this.text.length : head.length;
      if (this.text.length !== complete) throw new ClientError('EBADANSWER', `closed after ${this.text.length} of ${complete} bytes`);
      this.settle({ ...head.answer, bodyBytes: this.text.length - this.text.indexOf('\r\n\r\n') - 4 }, true);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  afterWrite(status: number): void {
    if (status < 0) this.fail(errnoError(status));
  }

  afterShutdown(): void {}

  onDeadline(): void {
    this.fail(new ClientError('ETIMEDOUT', `no answer in ${this.timeoutMs} ms`));
  }

  private settle(answer: Answer, closed: boolean): void {
    const { resolve } = this.pending!;
    this.done(closed);
    resolve(answer);
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.done(true);
    pending?.reject(error);
  }

  private done(closed: boolean): void {
    this.pending = null;
    this.deadline = Infinity;
    this.deadlines.unwatch(this);
    if (closed) this.close();
  }

  /** Closes the connection, if one is open; the next ask() connects again. */
  close(): void {
    if (this.handle) closeHandle(this.handle);
    this.handle = null;
  }
}
