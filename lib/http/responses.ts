/**
 * lib/http/responses.ts — every response a worker can send, as bytes, built once.
 *
 * On the hot path a request costs one lookup and one write: the kit answers every request with the
 * article's body, so the six possible successful responses (GET or HEAD, each HTTP/1.0 keep-alive,
 * HTTP/1.1 keep-alive or closing) are made when the worker starts. Each names the worker's slot in
 * `x-slot`, so a client can tally the distribution itself.
 *
 * A response that keeps the connection open says how long it stays open idle (`keep-alive:
 * timeout=N`, RFC 9112 §9.3 and the Keep-Alive header nginx and Node send): a client that honours it
 * (undici does) never reuses a connection the server is about to close, the race a rolling restart
 * would otherwise lose requests in.
 */
import type { RequestHead } from './head';

/** The article's body. */
export const BODY = 'hello nodejs';

export const STATUS_TEXT = {
  200: 'OK', 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large',
  501: 'Not Implemented', 505: 'HTTP Version Not Supported',
} as const;
export type ErrorStatus = Exclude<keyof typeof STATUS_TEXT, 200>;

interface Variants { keepAlive10: Buffer; keepAlive11: Buffer; close: Buffer }

export class Responses {
  private readonly get: Variants;
  private readonly head: Variants;
  private readonly errors = new Map<ErrorStatus, Buffer>();

  constructor(private readonly slot: number, idleTimeoutMs: number) {
    // The header counts whole seconds; rounding down keeps a client from reusing a connection we close.
    const keepAlive = `keep-alive: timeout=${Math.floor(idleTimeoutMs / 1000)}\r\n`;
    const variants = (withBody: boolean): Variants => ({
      keepAlive10: this.ok(`connection: keep-alive\r\n${keepAlive}`, withBody),
      keepAlive11: this.ok(keepAlive, withBody),
      close: this.ok('connection: close\r\n', withBody),
    });
    this.get = variants(true);
    this.head = variants(false);
  }

  /** The answer to a request: HEAD gets no body; `keepAlive` false ends the connection after it. */
  pick(head: RequestHead, keepAlive: boolean): Buffer {
    const set = head.method === 'HEAD' ? this.head : this.get;
    if (!keepAlive) return set.close;
    return head.minorVersion === 0 ? set.keepAlive10 : set.keepAlive11;
  }

  error(status: ErrorStatus): Buffer {
    let bytes = this.errors.get(status);
    if (!bytes) {
      const body = `${STATUS_TEXT[status]}\n`;
      bytes = Buffer.from(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: text/plain\r\n` +
        `content-length: ${body.length}\r\nx-slot: ${this.slot}\r\nconnection: close\r\n\r\n${body}`, 'latin1');
      this.errors.set(status, bytes);
    }
    return bytes;
  }

  private ok(connectionHeaders: string, withBody: boolean): Buffer {
    return Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n' +
      `content-length: ${Buffer.byteLength(BODY)}\r\nx-slot: ${this.slot}\r\n${connectionHeaders}\r\n` +
      (withBody ? BODY : ''), 'latin1');
  }
}
