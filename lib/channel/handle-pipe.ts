/**
 * lib/channel/handle-pipe.ts — a pipe of the kit's own between the master and a worker, for handles.
 *
 * The control channel carries one handle per worker at a time: every message sent after a handle waits
 * until the receiver's NODE_HANDLE_ACK (`_handleQueue` in lib/internal/child_process.js), so each
 * connection waits for an IPC round trip. This pipe has no such queue: the master writes each handle
 * with a line that numbers it (`<seq>\n`, the handle riding along as SCM_RIGHTS), as many as it likes;
 * the worker acknowledges with the `seq` of the last handle it has taken, once per read burst, on the
 * same pipe. An acknowledgement covers every handle up to it, as TCP's does.
 *
 * How a second IPC pipe is made. libuv sends handles only on a pipe opened as IPC (uv_write2 refuses
 * others); a pipe that listens cannot be IPC (uv_pipe_listen returns EINVAL) and what it accepts is a
 * plain stream; child_process gives a child one IPC channel. What works, on Node 20 to 26:
 *   1. the master listens on a Unix socket in a private temporary directory (mode 0700, lib/os/temp-dir.ts);
 *   2. it connects an IPC pipe to it: that end is the master's, and it can send handles;
 *   3. the end the socket accepts is handed to the worker at fork, as stdio entry HANDLE_PIPE_FD, and the
 *      master closes its copy;
 *   4. the worker opens HANDLE_PIPE_FD as an IPC pipe: it can receive handles, and write acknowledgements.
 * Pipes are made one at a time, so each accepted end is the one the last connect made.
 */
import path from 'node:path';
import type { ClientHandle, HandlePipe, UnixConnection, UnixServer } from '../binding/internals';
import { connectHandlePipe, endPipe, fdOf, listenUnix, openHandlePipe, readPipe, writeText } from '../binding/pipe';
import { closeHandle } from '../binding/tcp';
import { ownedTempDir, removeTempDir } from '../os/temp-dir';

/** stdin, stdout, stderr, the control channel (3), then this pipe: a number both ends know. */
export const HANDLE_PIPE_FD = 4;
export const HANDLE_PIPE_DIR_PREFIX = 'handoff-pipes-';

/** Splits a stream of bytes into lines, keeping a partial last line for the next read. */
class Lines {
  private partial = '';

  push(bytes: Buffer): string[] {
    const lines = (this.partial + bytes.toString('latin1')).split('\n');
    this.partial = lines.pop()!;
    return lines;
  }
}

/** The master's end of one worker's pipe: handles out, numbered; acknowledgements in. */
export class HandlePipeToWorker {
  private seq = 0;
  /** Handles sent and not yet acknowledged, in the order sent. */
  private readonly awaiting: Array<{ seq: number; taken(): void }> = [];

  constructor(private readonly pipe: HandlePipe) {
    const lines = new Lines();
    readPipe(pipe, {
      onBytes: (bytes) => {
        const last = lines.push(bytes).at(-1);
        if (last !== undefined) this.acknowledged(Number(last));
      },
      onHandle: () => {},
      onEnd: () => {},
    });
  }

  /**
   * Writes one handle; `taken` is called once the worker has acknowledged it. A pipe that fails belongs
   * to a worker that died: its exit follows, and the model hands what it had not taken to another.
   */
  send(clientHandle: ClientHandle, taken: () => void): void {
    const seq = ++this.seq;
    this.awaiting.push({ seq, taken });
    writeText(this.pipe, `${seq}\n`, clientHandle);
  }

  /** The worker has taken every handle up to `seq`. A stale or garbled number changes nothing. */
  private acknowledged(seq: number): void {
    while (this.awaiting.length > 0 && this.awaiting[0]!.seq <= seq) this.awaiting.shift()!.taken();
  }

  /**
   * Nothing more will be sent (the worker drains), and the FIN after the last handle tells it so. It
   * reports `drained` only after reading that EOF, so no handle is left in the pipe when it exits.
   */
  end(): void {
    endPipe(this.pipe);
  }

  /** The worker has exited: the pipe goes, with whatever the kernel still held in it. */
  close(): void {
    this.awaiting.length = 0;
    closeHandle(this.pipe);
  }
}

/** The master's maker of pipes: one Unix socket, each connection to it one worker's pipe. */
export class HandlePipeMaker {
  private dir: string | null = null;
  private server: UnixServer | null = null;
  private socketPath = '';
  /** The next accepted end goes to the pipe that is being made. */
  private accepted: ((connection: UnixConnection) => void) | null = null;
  private making: Promise<unknown> = Promise.resolve();

  /**
   * A new pipe: the master's end, and the fd of the worker's end to pass at fork. Call `release()` once
   * the child is forked (or the fork failed): the master's copy of the worker's end then goes.
   */
  make(): Promise<{ pipe: HandlePipeToWorker; workerFd: number; release(): void }> {
    const made = this.making.then(() => this.makeOne());
    this.making = made.catch(() => {});
    return made;
  }

  private async makeOne() {
    if (!this.server) this.open();
    const workerEnd = new Promise<UnixConnection>((resolve) => { this.accepted = resolve; });
    const masterEnd = await connectHandlePipe(this.socketPath);
    const connection = await workerEnd;
    return { pipe: new HandlePipeToWorker(masterEnd), workerFd: fdOf(connection), release: () => closeHandle(connection) };
  }

  private open(): void {
    this.dir = ownedTempDir(HANDLE_PIPE_DIR_PREFIX);
    this.socketPath = path.join(this.dir, 'pipes.sock');
    this.server = listenUnix(this.socketPath, 8, (connection) => this.accepted?.(connection));
  }

  close(): void {
    if (this.server) closeHandle(this.server);
    this.server = null;
    if (this.dir) removeTempDir(this.dir);
    this.dir = null;
  }
}

/**
 * The worker's end: handles arrive on fd HANDLE_PIPE_FD, each with its numbered line (lib/binding/pipe.ts
 * readPipe). A handle arrives with the first bytes of its line, so when a line is complete its handle
 * has come: they pair in order. The acknowledgement goes back once per burst: setImmediate runs after
 * the poll phase has delivered every read that was ready (deps/uv/src/unix/core.c, uv_run: poll, then
 * check), and before any of those connections has been read from (their first read can come no earlier
 * than the next poll). So a worker killed before its acknowledgement has not touched the handles the
 * master then hands to another.
 */
export function receiveHandles(onHandle: (clientHandle: ClientHandle) => void, onEnd: () => void): void {
  const pipe = openHandlePipe(HANDLE_PIPE_FD);
  const lines = new Lines();
  const handles: ClientHandle[] = [];
  let taken = 0;
  let acknowledging = false;
  const acknowledge = () => {
    acknowledging = false;
    writeText(pipe, `${taken}\n`);
  };
  readPipe(pipe, {
    onHandle: (clientHandle) => void handles.push(clientHandle),
    onBytes(bytes) {
      for (const line of lines.push(bytes)) {
        const clientHandle = handles.shift();
        if (!clientHandle) continue;
        taken = Number(line);
        if (!acknowledging) {
          acknowledging = true;
          setImmediate(acknowledge);
        }
        onHandle(clientHandle);
      }
    },
    // The master will send nothing more: we drain, or it died (the control channel tells us which).
    onEnd: () => {
      closeHandle(pipe);
      onEnd();
    },
  });
}
