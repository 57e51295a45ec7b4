/**
 * Raw TCP for byte-exact HTTP tests: write exactly these bytes, read exactly what comes back.
 */
import net from 'node:net';

export class Conversation {
  private buffered = Buffer.alloc(0);
  private wanted: { bytes: number; resolve(data: Buffer): void; reject(error: Error): void } | null = null;
  /** Resolves when the server has closed: `reset` if it was an RST, and every byte never read(). */
  readonly closed: Promise<{ reset: boolean; rest: Buffer }>;

  private constructor(readonly socket: net.Socket) {
    let reset = false;
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.deliver();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reset = error.code === 'ECONNRESET';
    });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.wanted?.reject(new Error(`closed with ${this.buffered.length} of ${this.wanted.bytes} bytes: ${this.buffered}`));
      resolve({ reset, rest: this.buffered });
    }));
  }

  static open(port: number): Promise<Conversation> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new Conversation(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with exactly the next `bytes` bytes; rejects if the server closes first. */
  read(bytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.wanted = { bytes, resolve, reject };
      this.deliver();
    });
  }

  /** Everything the server sends until it closes the connection. */
  async readToClose(): Promise<{ data: Buffer; reset: boolean }> {
    const { reset, rest } = await this.closed;
    return { data: rest, reset };
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (!this.wanted || this.buffered.length < this.wanted.bytes) return;
    const data = this.buffered.subarray(0, this.wanted.bytes);
    this.buffered = this.buffered.subarray(this.wanted.bytes);
    const { resolve } = this.wanted;
    this.wanted = null;
    resolve(data);
  }
}

/** One request on a fresh connection; resolves with everything received until the server closed. */
export async function oneShot(port: number, request: string | Buffer): Promise<{ data: Buffer; reset: boolean }> {
  const conversation = await Conversation.open(port);
  conversation.send(request);
  return conversation.readToClose();
}
