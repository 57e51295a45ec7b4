/**
 * A connection as the HTTP responder sees it (lib/http/transport.ts), played by the test: bytes go in
 * through `send`, what the responder writes is kept as text, and each way of ending (FIN after the
 * bytes, close after the bytes, close now) is recorded. `full` plays a kernel send buffer that is full.
 * And a clock the test moves by hand, so every deadline is checked to the millisecond.
 */
import type { ClientHandle } from '../../lib/binding/internals';
import type { Transport, TransportReceiver } from '../../lib/http/transport';

export class FakeTransport implements Transport {
  receiver: TransportReceiver | null = null;
  /** Everything written, in order, as latin1. */
  written = '';
  /** How many times write() was called. */
  writes = 0;
  /** `end` was called: our FIN follows the bytes. */
  ended = false;
  /** `closeAfter` was called: closed once the bytes have gone, no FIN first. */
  closedAfterWrite = false;
  /** `close` was called. */
  closed = false;
  paused = false;
  /** The kernel takes no more: write() returns false until `written()` is played. */
  full = false;
  /** release() was called and let the connection go; `refuseRelease` plays a net.Socket still writing. */
  released = false;
  refuseRelease = false;

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
  }

  write(bytes: Buffer): boolean {
    this.writes++;
    this.written += bytes.toString('latin1');
    return !this.full;
  }

  end(bytes: Buffer): void {
    this.written += bytes.toString('latin1');
    this.ended = true;
  }

  closeAfter(bytes: Buffer): void {
    this.written += bytes.toString('latin1');
    this.closedAfterWrite = true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiver!.onClosed();
  }

  release(): ClientHandle | null {
    if (this.refuseRelease || !this.open || this.released) return null;
    this.released = true;
    return { released: this } as unknown as ClientHandle;
  }

  // ---- the client and the kernel, played by the test ----

  send(text: string): void {
    this.receiver!.onBytes(Buffer.from(text, 'latin1'));
  }

  /** The client's FIN. */
  eof(): void {
    this.receiver!.onEnd();
  }

  /** The kernel has taken everything queued. */
  drainQueue(): void {
    this.full = false;
    this.receiver!.onWritten();
  }

  /** What was written since the last call. */
  take(): string {
    const text = this.written;
    this.written = '';
    return text;
  }

  /** Nothing ended it yet. */
  get open(): boolean {
    return !this.ended && !this.closedAfterWrite && !this.closed;
  }
}

export class FakeClock {
  constructor(public ms = 1_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
