/**
 * lib/channel/handle-pipe.ts — a pipe of the kit's own between the master and each worker, for handles.
 *
 * The control channel carries one handle per worker at a time: every message sent after a handle waits
 * until the receiver's NODE_HANDLE_ACK (`_handleQueue` in lib/internal/child_process.js), so each handle
 * costs an IPC round trip, and a burst of them costs more: on each ACK child_process hands every queued
 * message to `_send` again, which queues all but one anew, so n handles sent at once cost n²/2 trips
 * through that loop. This pipe has no queue of its own. It carries, as lines, each with its handle riding
 * along as SCM_RIGHTS on the same write:
 *   master → worker   `<seq>`            a new connection (rr-pipelined);
 *                     `<seq> <json>`     a live connection moved from another worker, and what it was
 *                                        in the middle of (lib/channel/messages.ts, Moved);
 *   worker → master   `<seq> <p> <u>`    the worker has taken every handle up to `seq` (one line per read
 *                                        burst: an acknowledgement covers every handle before it, as TCP's does),
 *                                        and how busy it is: `p` requests in progress, its event loop busy `u`
 *                                        thousandths of the time (messages.ts, Load);
 *                     `<json>`           a report: `given` with the handle of a connection it gives back,
 *                                        and, after its givens, the `counted` that answers a `give`.
 * A handle arrives with the first bytes of its line, and a read never goes past a message that carries
 * one (lib/binding/pipe.ts), so lines and handles pair in order.
 *
 * How a second IPC pipe is made. libuv sends handles only on a pipe opened as IPC (uv_write2 refuses
 * others); a pipe that listens cannot be IPC (uv_pipe_listen returns EINVAL) and what it accepts is a
 * plain stream; child_process gives a child one IPC channel. What works, on Node 20 to 26:
 *   1. the master listens on a Unix socket in a private temporary directory (mode 0700, lib/os/temp-dir.ts);
 *   2. it connects an IPC pipe to it: that end is the master's, and it can send handles;
 *   3. the end the socket accepts is handed to the worker at fork, as stdio entry HANDLE_PIPE_FD, and the
 *      master closes its copy;
 *   4. the worker opens HANDLE_PIPE_FD as an IPC pipe: it can receive handles, and send them back.
 * Pipes are made one at a time, so each accepted end is the one the last connect made.
 */
import path from 'node:path';
import type { ClientHandle, HandlePipe, UnixConnection, UnixServer } from '../binding/internals';
import { connectHandlePipe, endPipe, fdOf, listenUnix, openHandlePipe, readPipe, writeText, type PipeReader } from '../binding/pipe';
import { closeHandle } from '../binding/tcp';
import { ownedTempDir, removeTempDir } from '../os/temp-dir';
import { parseMoved, parseReport, type Load, type Moved, type Report, type ReportBody } from './messages';

/** stdin, stdout, stderr, the control channel (3), then this pipe: a number both ends know. */
export const HANDLE_PIPE_FD = 4;
export const HANDLE_PIPE_DIR_PREFIX = 'handoff-pipes-';
const ACK = /^(\d+) (\d+) (\d+)$/;

/**
 * Reads a pipe as lines. A line that carries a handle takes it (`handle()`): the handles come in the
 * order of their lines.
 */
function readLines(pipe: HandlePipe, onLine: (line: string, handle: () => ClientHandle | null) => void, onEnd: () => void): void {
  let partial = '';
  const handles: ClientHandle[] = [];
  const next = () => handles.shift() ?? null;
  const reader: PipeReader = {
    onHandle: (clientHandle) => void handles.push(clientHandle),
    onBytes(bytes) {
      const lines = (partial + bytes.toString('latin1')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line, next);
    },
    onEnd,
  };
  readPipe(pipe, reader);
}

/** The master's end of one worker's pipe: handles out, numbered; acknowledgements and reports in. */
export class HandlePipeToWorker {
  private seq = 0;
  /** Handles sent and not yet acknowledged, in the order sent. */
  private readonly awaiting: Array<{ seq: number; taken(): void }> = [];
  private ended = false;
  private closeOnEnd = false;

  /**
   * `onReport`: every report the worker sends on the pipe, with the handle that came with it; `onLoad`:
   * the load each acknowledgement carries.
   */
  constructor(private readonly pipe: HandlePipe, onReport: (report: Report, handle: ClientHandle | null) => void,
    onLoad: (load: Load) => void = () => {}) {
    readLines(pipe, (line, handle) => {
      const ack = ACK.exec(line);
      if (ack) {
        onLoad({ inProgress: Number(ack[2]), utilization: Math.min(1, Number(ack[3]) / 1000) });
        return this.acknowledged(Number(ack[1]));
      }
      const json = safeJson(line);
      // Only a `given` comes with a handle; a handle that came with a line that is not one is closed.
      const clientHandle = (json as { type?: unknown } | null)?.type === 'given' ? handle() : null;
      const report = parseReport(json);
      if (report) onReport(report, clientHandle);
      else if (clientHandle) closeHandle(clientHandle);
    }, () => {
      this.ended = true;
      if (this.closeOnEnd) this.close();
    });
  }

  /**
   * Writes one handle, and what a moved connection carries; `taken` is called once the worker has
   * acknowledged it. A pipe that fails belongs to a worker that died: its exit follows, and whoever
   * sent the handle hands it to another.
   */
  send(clientHandle: ClientHandle, taken: () => void, moved?: Moved): void {
    const seq = ++this.seq;
    this.awaiting.push({ seq, taken });
    writeText(this.pipe, moved ? `${seq} ${JSON.stringify(moved)}\n` : `${seq}\n`, clientHandle);
  }

  /** Handles sent and not yet acknowledged. */
  get inFlight(): number {
    return this.awaiting.length;
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

  /**
   * The worker has exited. What it wrote before it died is still in the pipe (connections it gave
   * back): read to the end, then the pipe goes.
   */
  closeWhenRead(): void {
    this.awaiting.length = 0;
    this.closeOnEnd = true;
    if (this.ended) this.close();
  }

  private close(): void {
    closeHandle(this.pipe);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
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
  make(): Promise<{ pipe: HandlePipe; workerFd: number; release(): void }> {
    const made = this.making.then(() => this.makeOne());
    this.making = made.catch(() => {});
    return made;
  }

  private async makeOne() {
    if (!this.server) this.open();
    const workerEnd = new Promise<UnixConnection>((resolve) => { this.accepted = resolve; });
    const masterEnd = await connectHandlePipe(this.socketPath);
    const connection = await workerEnd;
    return { pipe: masterEnd, workerFd: fdOf(connection), release: () => closeHandle(connection) };
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
 * The worker's end: opened on HANDLE_PIPE_FD at start-up. Handles come in with their lines; the
 * acknowledgement goes back once per burst: setImmediate runs after the poll phase has delivered every
 * read that was ready (deps/uv/src/unix/core.c, uv_run: poll, then check), and before any of those
 * connections has been read from (their first read can come no earlier than the next poll). So a worker
 * killed before its acknowledgement has not touched the handles the master then hands to another.
 */
export class HandlePipeToMaster {
  private readonly pipe = openHandlePipe(HANDLE_PIPE_FD);
  private taken = 0;
  private acknowledging = false;
  /** The master's FIN has come: it sends nothing more (this end can still write). */
  ended = false;

  /** `onConnection`: a handle, new or moved; `onEnd`: the master's FIN; `load`: what each acknowledgement says of us. */
  constructor(onConnection: (clientHandle: ClientHandle, moved: Moved | undefined) => void, onEnd: () => void,
    private readonly load: () => Load = () => ({ inProgress: 0, utilization: 0 })) {
    readLines(this.pipe, (line, handle) => {
      const clientHandle = handle();
      if (!clientHandle) return;
      const space = line.indexOf(' ');
      this.taken = Number(space === -1 ? line : line.slice(0, space));
      if (!this.acknowledging) {
        this.acknowledging = true;
        setImmediate(() => this.acknowledge());
      }
      if (space === -1) return onConnection(clientHandle, undefined);
      const moved = parseMoved(safeJson(line.slice(space + 1)));
      if (moved) onConnection(clientHandle, moved);
      else closeHandle(clientHandle);
    }, () => {
      this.ended = true;
      onEnd();
    });
  }

  private acknowledge(): void {
    this.acknowledging = false;
    const { inProgress, utilization } = this.load();
    writeText(this.pipe, `${this.taken} ${inProgress} ${Math.round(utilization * 1000)}\n`);
  }

  /**
   * A report on the pipe, numbered by the control channel's count (`seq`), with a handle or none.
   * `written` is called once it has gone, the handle with it: our copy of the fd can go then.
   */
  tell(report: ReportBody & { seq: number }, clientHandle: ClientHandle | null = null, written: () => void = () => {}): void {
    writeText(this.pipe, `${JSON.stringify(report)}\n`, clientHandle ?? undefined, written);
  }
}
