/**
 * lib/models/handoff-pipe.ts — a pipe of its own between the master and each worker, for handles only.
 *
 * child_process's channel carries one handle per worker at a time: every message sent after a handle
 * waits until the receiver's NODE_HANDLE_ACK (`_handleQueue` in lib/internal/child_process.js), so each
 * connection waits for an IPC round trip. This pipe has no such queue: the master writes a byte with
 * each handle as SCM_RIGHTS (uv_write2), as many as it likes; the worker acknowledges them with a running
 * count, once per read burst, on the same pipe.
 *
 * How a second IPC pipe is made. libuv sends handles only on a pipe opened as IPC (uv_write2 refuses
 * others); a pipe that listens cannot be IPC (uv_pipe_listen returns EINVAL) and what it accepts is a
 * plain stream; child_process gives a child one IPC channel. What works, on Node 20 to 26:
 *   1. the master listens on a Unix socket in a private temporary directory (mode 0700, lib/temp-dir.ts);
 *   2. it connects an IPC pipe to it: that end is the master's, and it can send handles;
 *   3. the end the socket accepts is handed to the worker at fork, as stdio entry HANDOFF_FD, and the
 *      master closes its copy;
 *   4. the worker opens HANDOFF_FD as an IPC pipe: it can receive handles, and write acknowledgements.
 * Forks are prepared one at a time, so each accepted end is the one the last connect made.
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import path from 'node:path';
import {
  closeHandle, connectHandlePipe, endPipe, fdOf, listenUnix, openHandlePipe, readPipe, sendHandle, writeText,
  type ClientHandle, type HandlePipe, type UnixConnection, type UnixServer,
} from '../binding';
import { ownedTempDir, removeTempDir } from '../temp-dir';

/** stdin, stdout, stderr, child_process's channel (3), then this pipe. */
export const HANDOFF_FD = 4;
export const TEMP_DIR_PREFIX = 'handoff-rr-';

/** The master's side: one Unix socket for making pipes, and one pipe per worker. */
export class HandoffPipes {
  private dir: string | null = null;
  private server: UnixServer | null = null;
  private socketPath = '';
  /** The next accepted end goes to the fork that is waiting for it. */
  private accepted: ((connection: UnixConnection) => void) | null = null;
  private forking: Promise<unknown> = Promise.resolve();
  private readonly pipes = new Map<number, HandlePipe>();

  open(): void {
    this.dir = ownedTempDir(TEMP_DIR_PREFIX);
    this.socketPath = path.join(this.dir, 'handoff.sock');
    this.server = listenUnix(this.socketPath, 8, (connection) => this.accepted?.(connection));
  }

  /** Forks a worker with a fresh pipe as its fd HANDOFF_FD; the master's end is kept by the worker's pid. */
  fork(workerPath: string, argv: string[], options: ForkOptions): Promise<ChildProcess> {
    const forked = this.forking.then(() => this.forkOne(workerPath, argv, options));
    this.forking = forked.catch(() => {});
    return forked;
  }

  private async forkOne(workerPath: string, argv: string[], options: ForkOptions): Promise<ChildProcess> {
    const workerEnd = new Promise<UnixConnection>((resolve) => { this.accepted = resolve; });
    const masterEnd = await connectHandlePipe(this.socketPath);
    const connection = await workerEnd;
    const stdio = [...(options.stdio as unknown[]), fdOf(connection)] as ForkOptions['stdio'];
    try {
      const child = fork(workerPath, argv, { ...options, stdio });
      this.pipes.set(child.pid!, masterEnd);
      return child;
    } finally {
      closeHandle(connection);
    }
  }

  /** Reads the worker's acknowledgements: each is its running count of handles received, on a line. */
  listen(pid: number, onAcknowledged: (total: number) => void): void {
    let partial = '';
    readPipe(this.pipes.get(pid)!, {
      onBytes(bytes) {
        const lines = (partial + bytes.toString('latin1')).split('\n');
        partial = lines.pop()!;
        const last = lines.at(-1);
        if (last !== undefined) onAcknowledged(Number(last));
      },
      onHandle: () => {},
      onEnd: () => {},
    });
  }

  /**
   * Writes one handle to a worker's pipe. A pipe that fails belongs to a worker that died: its exit
   * follows, and remove() hands its handles on, so there is nothing to do here on failure.
   */
  send(pid: number, clientHandle: ClientHandle): void {
    sendHandle(this.pipes.get(pid)!, clientHandle);
  }

  /**
   * The worker is draining: nothing more will be sent, and the FIN after the last handle tells it so.
   * It reports `drained` only after reading that EOF, so no handle is left in the pipe when it exits.
   */
  end(pid: number): void {
    const pipe = this.pipes.get(pid);
    if (pipe) endPipe(pipe);
  }

  /** The worker has exited: its pipe goes (and whatever the kernel still held in it). */
  forget(pid: number): void {
    const pipe = this.pipes.get(pid);
    this.pipes.delete(pid);
    if (pipe) closeHandle(pipe);
  }

  close(): void {
    for (const pid of [...this.pipes.keys()]) this.forget(pid);
    if (this.server) closeHandle(this.server);
    this.server = null;
    if (this.dir) removeTempDir(this.dir);
    this.dir = null;
  }
}

/**
 * The worker's side: handles arrive on fd HANDOFF_FD, one per read (lib/binding.ts, readPipe). The count
 * goes back once per burst: setImmediate runs after the poll phase has delivered every read that was
 * ready (deps/uv/src/unix/core.c, uv_run: poll, then check), and before any of those connections has been
 * read from (their first read can come no earlier than the next poll). So a worker killed before its ack
 * has not touched the handles the master then sends elsewhere.
 */
export function receiveHandoffs(fd: number, onConnection: (clientHandle: ClientHandle) => void, onEnd: () => void): void {
  const pipe = openHandlePipe(fd);
  let received = 0;
  let ackPending = false;
  const acknowledge = () => {
    ackPending = false;
    writeText(pipe, `${received}\n`);
  };
  readPipe(pipe, {
    onHandle(clientHandle) {
      received++;
      if (!ackPending) {
        ackPending = true;
        setImmediate(acknowledge);
      }
      onConnection(clientHandle);
    },
    onBytes: () => {},
    // The master will send nothing more: we drain, or it died (the IPC channel tells us which).
    onEnd: () => {
      closeHandle(pipe);
      onEnd();
    },
  });
}
