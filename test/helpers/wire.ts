/**
 * Raw TCP for byte-exact HTTP tests: write exactly these bytes, read exactly what comes back.
 */
import net from 'node:net';
import { EVENT_MS, within } from './wait';

export class Conversation {
  /** What arrived and was not read yet, as received (joined only when a read needs it). */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private wanted: { bytes: number; resolve(data: Buffer): void; reject(error: Error): void } | null = null;
  /** Resolves when the server has closed: `reset` if it was an RST, and every byte never read(). */
  readonly closed: Promise<{ reset: boolean; rest: Buffer }>;

  private constructor(readonly socket: net.Socket) {
    let reset = false;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.deliver();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reset = error.code === 'ECONNRESET';
    });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      const rest = this.take(this.buffered);
      const shown = rest.length > 200 ? `${rest.subarray(0, 200)}... (${rest.length - 200} more)` : `${rest}`;
      this.wanted?.reject(new Error(`closed with ${rest.length} of ${this.wanted.bytes} bytes: ${shown}`));
      resolve({ reset, rest });
    }));
  }

  static open(port: number): Promise<Conversation> {
    return within(new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new Conversation(socket)));
      socket.once('error', reject);
    }), EVENT_MS, `a connection to port ${port}`);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with exactly the next `bytes` bytes; rejects if the server closes first, or after EVENT_MS. */
  read(bytes: number): Promise<Buffer> {
    return within(new Promise((resolve, reject) => {
      this.wanted = { bytes, resolve, reject };
      this.deliver();
    }), EVENT_MS, `${bytes} bytes from the server`);
  }

  /** Everything the server sends until it closes the connection (within EVENT_MS). */
  async readToClose(): Promise<{ data: Buffer; reset: boolean }> {
    const { reset, rest } = await within(this.closed, EVENT_MS, 'the server to close the connection');
    return { data: rest, reset };
  }

  close(): void {
    this.socket.destroy();
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = bytes < all.length ? [all.subarray(bytes)] : [];
    this.buffered = all.length - bytes;
    return all.subarray(0, bytes);
  }

  private deliver(): void {
    if (!this.wanted || this.buffered < this.wanted.bytes) return;
    const { resolve, bytes } = this.wanted;
    this.wanted = null;
    resolve(this.take(bytes));
  }
}

/** One request on a fresh connection; resolves with everything received until the server closed. */
export async function oneShot(port: number, request: string | Buffer): Promise<{ data: Buffer; reset: boolean }> {
  const conversation = await Conversation.open(port);
  conversation.send(request);
  return conversation.readToClose();
}
