/**
 * lib/http/socket-transport.ts — a connection served through net.Socket, the article's way.
 *
 * The article wraps each accepted handle in `new net.Socket({ handle })` and writes to it. This keeps
 * that, so the two transports can be measured side by side (NOTES.md: what net.Socket costs per
 * connection). net.Socket already closes the way the Transport interface asks: with `allowHalfOpen`
 * false (the default) it ends its side when the peer ends, and destroys itself once both are done.
 */
import type net from 'node:net';
import { detachSocket } from '../binding/channel';
import type { ClientHandle } from '../binding/internals';
import type { Transport, TransportReceiver } from './transport';

export class SocketTransport implements Transport {
  constructor(private readonly socket: net.Socket) {}

  start(receiver: TransportReceiver): void {
    const { socket } = this;
    socket.on('data', (bytes: Buffer) => receiver.onBytes(bytes));
    socket.on('end', () => receiver.onEnd());
    socket.on('drain', () => receiver.onWritten());
    // A reset from the client is routine, not a reason for a worker to die: 'close' follows.
    socket.on('error', () => {});
    socket.once('close', () => receiver.onClosed());
  }

  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  end(bytes: Buffer): void {
    this.socket.end(bytes);
  }

  /** net.Socket's way: end() (its shutdown), then destroy once the writes have finished. */
  closeAfter(bytes: Buffer): void {
    this.socket.end(bytes);
    this.socket.destroySoon();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }

  /** net.Socket keeps its handle to itself: lib/binding/channel.ts takes it out, and the socket goes quiet. */
  release(): ClientHandle | null {
    const { socket } = this;
    if (socket.destroyed || socket.writableEnded || socket.writableLength > 0 || socket.readableLength > 0) return null;
    socket.removeAllListeners();
    return detachSocket(socket);
  }
}
