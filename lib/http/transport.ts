/**
 * lib/http/transport.ts — what the HTTP responder needs from a connection, and nothing more.
 *
 * Two implementations, one flag apart (`--transport raw|socket`, transports.ts):
 *   - `raw` (raw-transport.ts): the accepted TCP handle itself, read and written through the stream
 *     methods Node's C++ gives every handle (lib/binding/stream.ts). Nothing is allocated per read.
 *   - `socket` (socket-transport.ts): the handle wrapped in a net.Socket, the article's way: a Duplex
 *     stream with its buffers, events and timers around the same handle.
 * The responder's rules (read the head before answering, keep-alive, pipelining, lingering close,
 * backpressure, timeouts, drain) are written once, against this interface, and hold on both.
 *
 * Both close the way net.Socket does with `allowHalfOpen: false`: once the peer has ended and every
 * queued byte of ours has gone out, the connection closes by itself.
 */
import type { ClientHandle } from '../binding/internals';

export interface Transport {
  /** Starts reading: each chunk goes to `onBytes`, then `onEnd` once. */
  start(receiver: TransportReceiver): void;
  /** Writes bytes; false when the kernel could not take them all (the rest is queued): `onWritten` follows. */
  write(bytes: Buffer): boolean;
  /** Writes bytes, then sends FIN once they have gone (shutdown(SHUT_WR)). Reading goes on. */
  end(bytes: Buffer): void;
  /** Writes bytes, then closes once they have gone: no half-close, no waiting for the peer. */
  closeAfter(bytes: Buffer): void;
  /** Stops reading (backpressure), until resume(). */
  pause(): void;
  resume(): void;
  /** Closes now, whatever is queued. */
  close(): void;
  /**
   * Gives the connection up without closing it, so that it can move to another process: reading stops
   * (what arrives meanwhile waits in the kernel, in the socket itself) and the transport goes quiet,
   * hearing nothing more. Returns the client handle, or null if it cannot be given up now: bytes of ours
   * still queued, our FIN decided, or closed.
   */
  release(): ClientHandle | null;
}

export interface TransportReceiver {
  /** Bytes arrived; the buffer may be reused after the call returns (copy what you keep). */
  onBytes(bytes: Buffer): void;
  /** The peer will send nothing more (EOF, or the connection broke). */
  onEnd(): void;
  /** Everything queued by write() has gone to the kernel. */
  onWritten(): void;
  /** The connection is closed; nothing more happens on it. */
  onClosed(): void;
}

