/**
 * lib/http.ts — the hand-written HTTP/1.x responder every model shares.
 *
 * The article's worker writes a response the moment a connection arrives and ends the socket. That
 * works for ab in the best case and fails in two ways the kit must not:
 *   - it closes a socket whose request it never read. Closing with unread bytes in the receive queue
 *     makes the kernel send RST instead of FIN (tcp_close() in net/ipv4/tcp.c, RFC 2525 §2.17), and an
 *     RST can destroy the response the client has not read yet;
 *   - its socket has no 'error' listener, so the first client that resets the connection (EPIPE,
 *     ECONNRESET) throws in the worker and takes it down with every connection it holds.
 * This responder reads each request head first, answers it, keeps the connection open as HTTP/1.0 and
 * 1.1 say, and closes it after an error without resetting it. Every response names the worker that
 * wrote it (`x-worker`), so a client can tally the distribution itself.
 */
import type net from 'node:net';
import { HEAD_LIMIT, parseRequestHead, type RequestHead } from './http-head';
import { bodySkipper, MalformedBodyError, type BodySkipper } from './http-body';

/** The article's body. */
export const BODY = 'hello nodejs';

/**
 * After an error response we stop answering but keep reading (and dropping) what the client sends, so
 * the kernel does not answer the unread bytes with RST; the client gets this long to close. Like
 * nginx's `lingering_timeout` (5 s by default).
 */
const LINGER_MS = 5000;

export interface ResponderOptions {
  workerIndex: number;
  /** A request head must be complete this long after its first byte arrives, or the client gets 408. */
  headTimeoutMs: number;
  /** A connection with no request in progress is closed after this long without a byte. */
  idleTimeoutMs: number;
  onRequest?: () => void;
  /** `GET /crash` throws out of the event loop: the worker dies the way a bug would kill it. */
  allowCrash?: boolean;
}

/** What the crash route throws; the worker has no handler for it, which is the point. */
export class CrashRequestedError extends Error {}

const STATUS_TEXT = {
  200: 'OK', 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large',
  501: 'Not Implemented', 505: 'HTTP Version Not Supported',
} as const;
type ErrorStatus = Exclude<keyof typeof STATUS_TEXT, 200>;

/** The response bytes, built once per worker: on the hot path a request costs one lookup and one write. */
export function responseBytes(workerIndex: number) {
  const ok = (connection: string, withBody: boolean) => Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n' +
    `content-length: ${Buffer.byteLength(BODY)}\r\nx-worker: ${workerIndex}\r\n${connection}\r\n` +
    (withBody ? BODY : ''), 'latin1');
  return {
    /** [HTTP/1.0 keep-alive, HTTP/1.1 keep-alive, close] × [GET, HEAD] */
    get: { keepAlive10: ok('connection: keep-alive\r\n', true), keepAlive11: ok('', true), close: ok('connection: close\r\n', true) },
    head: { keepAlive10: ok('connection: keep-alive\r\n', false), keepAlive11: ok('', false), close: ok('connection: close\r\n', false) },
    error(status: ErrorStatus): Buffer {
      const body = `${STATUS_TEXT[status]}\n`;
      return Buffer.from(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: text/plain\r\n` +
        `content-length: ${body.length}\r\nx-worker: ${workerIndex}\r\nconnection: close\r\n\r\n${body}`, 'latin1');
    },
  };
}
export type ResponseBytes = ReturnType<typeof responseBytes>;

function pickResponse(responses: ResponseBytes, head: RequestHead): Buffer {
  const set = head.method === 'HEAD' ? responses.head : responses.get;
  if (!head.keepAlive) return set.close;
  return head.minorVersion === 0 ? set.keepAlive10 : set.keepAlive11;
}

/** Serves HTTP on one socket until either side closes it. */
export function serveHttp(socket: net.Socket, options: ResponderOptions, responses: ResponseBytes): HttpConnection {
  return new HttpConnection(socket, options, responses);
}

export class HttpConnection {
  /** Bytes of a request head that has not fully arrived yet. */
  private partialHead: Buffer | null = null;
  /** Set while a request body is streaming in: it is skipped, never parsed as a request. */
  private body: BodySkipper | null = null;
  /** Set once we have decided to close: input is read and dropped from then on. */
  private closing = false;
  private headTimer: NodeJS.Timeout | null = null;
  /** Set by drain(): the request in progress, if any, is the last one. */
  private draining = false;
  /** Requests answered on this connection. */
  private served = 0;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;

  constructor(private readonly socket: net.Socket, private readonly options: ResponderOptions,
    private readonly responses: ResponseBytes) {
    // A reset from the client is routine, not a reason for a worker to die: 'close' follows and cleans up.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => this.clearHeadTimer());
    socket.on('timeout', () => this.onTimeout());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const input = this.partialHead ? Buffer.concat([this.partialHead, chunk]) : chunk;
    this.partialHead = null;
    try {
      this.consume(input);
    } catch (error) {
      if (!(error instanceof MalformedBodyError)) throw error;
      this.fail(400);
    }
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
      if (result.kind === 'incomplete') {
        this.partialHead = Buffer.from(input.subarray(offset));
        this.startHeadTimer();
        return;
      }
      this.clearHeadTimer();
      if (result.kind === 'error') return this.fail(result.status);
      this.respond(result.head);
      this.body = bodySkipper(result.head.body);
      offset += result.length;
    }
  }

  /**
   * Graceful shutdown: a kept-alive connection waiting for its next request is closed now (FIN between
   * requests, which HTTP allows and clients retry), as is one whose response has gone out while its
   * body is still arriving (the rest is read and dropped). A new connection that has not sent its first
   * request yet is a client that is about to: closing it would fail that request (ab counts it), so it
   * gets its answer, with `connection: close`, like one in the middle of a request head.
   */
  drain(): void {
    this.draining = true;
    if (this.served > 0 && !this.partialHead && !this.closing) this.close(Buffer.alloc(0));
  }

  private respond(head: RequestHead): void {
    if (this.options.allowCrash && head.target === '/crash') throw new CrashRequestedError('GET /crash (--allow-crash)');
    this.options.onRequest?.();
    this.served++;
    if (this.draining) return this.close(pickResponse(this.responses, { ...head, keepAlive: false }));
    const response = pickResponse(this.responses, head);
    if (!head.keepAlive) return this.close(response);
    // A client that pipelines faster than it reads would make us queue responses without bound: stop
    // reading until the kernel's send buffer has room again.
    if (!this.socket.write(response)) {
      this.socket.pause();
      this.socket.once('drain', () => this.socket.resume());
    }
  }

  private fail(status: ErrorStatus): void {
    this.close(this.responses.error(status));
  }

  /** Ends our side (FIN after the response) and keeps draining input until the client closes too. */
  private close(lastResponse: Buffer): void {
    this.closing = true;
    this.partialHead = null;
    this.clearHeadTimer();
    this.socket.end(lastResponse);
    this.socket.resume();
    this.socket.setTimeout(LINGER_MS);
  }

  private onTimeout(): void {
    if (this.partialHead && !this.closing) return this.fail(408);
    this.socket.destroy();
  }

  private startHeadTimer(): void {
    this.headTimer ??= setTimeout(() => this.fail(408), this.options.headTimeoutMs);
  }

  private clearHeadTimer(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
  }
}
