/**
 * lib/http/raw-transport.ts — a connection served on its TCP handle, with no net.Socket.
 *
 * What net.Socket adds around a handle, per connection: a Duplex stream (readable and writable state,
 * a buffer list, an event emitter with its listeners), a Buffer allocated for every read, a timer
 * refreshed on every read and write, and the async bookkeeping of every write request. What a server
 * that answers small requests needs is less: a read callback, a write that usually completes at once,
 * a FIN, a close. This is that, on the stream methods of the handle (lib/binding/stream.ts): one object per
 * connection, which is also the handle's owner for every callback.
 *
 * State at a glance: `ended` (our FIN is queued or sent), `peerEnded` (theirs has arrived), `queued`
 * (writes the kernel has not taken yet), `closeWhenWritten` (close as soon as `queued` is 0), `closed`
 * (closed, or released to move to another process: either way nothing more happens here).
 */
import type { ClientHandle } from '../binding/internals';
import {
  pauseReading, QUEUED, resumeReading, shutdown, startReading, UV_EOF, writeBytes, type StreamOwner,
} from '../binding/stream';
import { closeHandle } from '../binding/tcp';
import type { Transport, TransportReceiver } from './transport';

/** What the transport does to its handle: lib/binding/'s functions, or a unit test's fakes. */
export interface RawStream {
  startReading(handle: ClientHandle, owner: StreamOwner): void;
  pauseReading(handle: ClientHandle): void;
  resumeReading(handle: ClientHandle): void;
  /** WRITTEN (0), QUEUED (1), or a negative errno. */
  writeBytes(handle: ClientHandle, bytes: Buffer): number;
  /** 0, or a negative errno. */
  shutdown(handle: ClientHandle): number;
  closeHandle(handle: ClientHandle): void;
}
const BINDING: RawStream = { startReading, pauseReading, resumeReading, writeBytes, shutdown, closeHandle };

export class RawTransport implements Transport, StreamOwner {
  private receiver: TransportReceiver | null = null;
  private ended = false;
  private shutdownDone = false;
  private peerEnded = false;
  private queued = 0;
  private closeWhenWritten = false;
  private closed = false;

  constructor(private readonly clientHandle: ClientHandle, private readonly stream: RawStream = BINDING) {}

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    this.stream.startReading(this.clientHandle, this);
  }

  write(bytes: Buffer): boolean {
    if (this.closed) return false;
    const status = this.stream.writeBytes(this.clientHandle, bytes);
    if (status === QUEUED) this.queued++;
    else if (status < 0) this.close();
    return status === 0;
  }

  end(bytes: Buffer): void {
    if (this.ended || this.closed) return;
    if (bytes.length > 0) this.write(bytes);
    this.ended = true;
    // ENOTCONN: the peer is gone already; there is nobody to send a FIN to.
    if (!this.closed && this.stream.shutdown(this.clientHandle) < 0) this.close();
  }

  /**
   * The cheapest way out: the response is usually written at once, and close() then sends FIN right after
   * it (the receive queue is empty, so no RST: tcp_close in net/ipv4/tcp.c). No shutdown request, no
   * second trip through epoll for the peer's FIN.
   */
  closeAfter(bytes: Buffer): void {
    if (this.closed) return;
    this.write(bytes);
    if (this.queued === 0) this.close();
    else this.closeWhenWritten = true;
  }

  pause(): void {
    if (!this.closed) this.stream.pauseReading(this.clientHandle);
  }

  resume(): void {
    if (!this.closed) this.stream.resumeReading(this.clientHandle);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.closeHandle(this.clientHandle);
    this.receiver!.onClosed();
  }

  /** Stops reading and goes quiet, the handle left open for whoever takes it next (`closed`: nothing more happens here). */
  release(): ClientHandle | null {
    if (this.closed || this.ended || this.queued > 0) return null;
    this.stream.pauseReading(this.clientHandle);
    this.closed = true;
    return this.clientHandle;
  }

  // ---- the handle's callbacks (StreamOwner) ----

  onBytes(bytes: Buffer): void {
    this.receiver!.onBytes(bytes);
  }

  /** EOF: half-open is not kept; like net.Socket with allowHalfOpen false, we end too. An error: close. */
  onEnd(errno: number): void {
    this.peerEnded = true;
    if (this.closed) return;
    this.receiver!.onEnd();
    if (errno !== UV_EOF) return this.close();
    if (!this.ended) this.end(EMPTY);
    else if (this.shutdownDone) this.close();
  }

  afterWrite(status: number): void {
    if (status < 0) return this.close();
    if (--this.queued > 0 || this.closed) return;
    if (this.closeWhenWritten) this.close();
    else this.receiver!.onWritten();
  }

  afterShutdown(status: number): void {
    this.shutdownDone = true;
    if (status < 0 || this.peerEnded) this.close();
  }
}

const EMPTY = Buffer.alloc(0);
