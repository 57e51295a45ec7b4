/**
 * lib/binding/pipe.ts — Unix sockets and IPC pipes: a channel of the kit's own that carries TCP handles.
 *
 * `process.binding('pipe_wrap')`: `Pipe` (SERVER, IPC), `PipeConnectWrap`, a pipe's `bind`, `listen`,
 * `connect`, `open(fd)`, and the `pendingHandle` an IPC pipe sets when a handle arrives with the bytes.
 * lib/channel/handle-pipe.ts builds the handle pipe between the master and a worker from these.
 */
import { HandleError } from '../errors';
import {
  pipeOf, pipes, streams, tcpOf, type ClientHandle, type HandlePipe, type StreamWrap, type UnixConnection, type UnixServer,
} from './internals';
import { UV_EOF, type StreamReader } from './stream';

/** Listens on a Unix socket path; each connection is handed to `onConnection`. */
export function listenUnix(path: string, backlog: number, onConnection: (connection: UnixConnection) => void): UnixServer {
  const { Pipe, constants } = pipes();
  const server = new Pipe(constants.SERVER);
  const bound = server.bind(path);
  const status = bound < 0 ? bound : server.listen(backlog);
  if (status < 0) {
    server.close();
    throw new HandleError(bound < 0 ? 'bind' : 'listen', status);
  }
  server.onconnection = (code, connection) => {
    if (code >= 0 && connection) onConnection(connection as unknown as UnixConnection);
  };
  return server as unknown as UnixServer;
}

/**
 * Connects an IPC pipe to a Unix socket path. An IPC pipe cannot be made by listening (uv_pipe_listen
 * refuses an IPC pipe with EINVAL, and what a server pipe accepts is a plain stream), but the one that
 * connects can be: this end sends handles.
 */
export function connectHandlePipe(path: string): Promise<HandlePipe> {
  const { Pipe, PipeConnectWrap, constants } = pipes();
  return new Promise((resolve, reject) => {
    const pipe = new Pipe(constants.IPC);
    const req = new PipeConnectWrap();
    req.oncomplete = (status) => {
      if (status < 0) {
        pipe.close();
        reject(new HandleError('connect', status));
      } else resolve(pipe as unknown as HandlePipe);
    };
    const status = pipe.connect(req, path);
    if (status < 0) {
      pipe.close();
      reject(new HandleError('connect', status));
    }
  });
}

/** The fd of a Unix connection, to hand to a child process at fork (child_process's stdio `fd` entry). */
export function fdOf(connection: UnixConnection): number {
  return pipeOf(connection).fd;
}

/** Opens an fd this process was born with (a stdio entry) as an IPC pipe: the receiving end. */
export function openHandlePipe(fd: number): HandlePipe {
  const { Pipe, constants } = pipes();
  const pipe = new Pipe(constants.IPC);
  const status = pipe.open(fd);
  if (status < 0) throw new HandleError('open', status);
  return pipe as unknown as HandlePipe;
}

/**
 * Writes text on an IPC pipe, with a client handle riding along as SCM_RIGHTS ancillary data on the same
 * sendmsg() (uv_write2, deps/uv/src/unix/stream.c), or without one. Returns 0 or a negative errno. A
 * write that carries a handle always completes later (Node never tries it synchronously, StreamBase::Write),
 * and a request without an `oncomplete` is finished without calling into JavaScript
 * (ReportWritesToJSStreamListener in src/stream_base.cc): most senders here do not need to hear, because
 * a pipe that fails is a worker that died, and its exit says so. One that must close its copy of the fd
 * once it has gone passes `written`; until the sender closes it, its copy stays open.
 */
export function writeText(pipe: HandlePipe, text: string, clientHandle?: ClientHandle, written?: (status: number) => void): number {
  const req = new (streams().WriteWrap)();
  req.handle = pipeOf(pipe);
  if (written) req.oncomplete = (status) => written(status);
  return clientHandle ? req.handle.writeLatin1String(req, text, tcpOf(clientHandle)) : req.handle.writeLatin1String(req, text);
}

/** Half-closes a pipe once what is queued has gone: the other end reads EOF after the last handle. */
export function endPipe(pipe: HandlePipe): void {
  const req = new (streams().ShutdownWrap)();
  req.handle = pipeOf(pipe);
  req.handle.shutdown(req);
}

export interface PipeReader extends StreamReader {
  /** A handle arrived, with the bytes of the same read (`onBytes` follows at once). */
  onHandle(clientHandle: ClientHandle): void;
}

/**
 * Reads an IPC pipe. The file descriptor travels with the first bytes of the write that carried it, and
 * a read never goes past a message that carries descriptors (unix_stream_read_generic in
 * net/unix/af_unix.c stops after it), so a read brings at most one handle: Node accepts it into a new
 * TCPWrap and leaves it on the pipe as `pendingHandle` (LibuvStreamWrap::OnUvRead).
 *
 * An EOF that follows a read may not be one. Before libuv 1.52 (Node 20 has 1.46), a poll that says the
 * peer hung up, after a read that did not fill the buffer, is taken for the end
 * (uv__stream_io's UV_HANDLE_READ_PARTIAL short-circuit in src/unix/stream.c; fixed by libuv commit
 * 2e2114ed8, issue 4992). Here every read that carries a handle is short, so a worker that writes a burst
 * of handles and exits leaves all but what its first read brought unread, and they would go with the pipe. So
 * after such an EOF the pipe is read again: the end is the EOF that comes when nothing else does.
 */
export function readPipe(pipe: HandlePipe, reader: PipeReader): void {
  const stream = pipeOf(pipe);
  let readSinceStart = false;
  stream.onread = function (this: StreamWrap, arrayBuffer?: ArrayBuffer) {
    const { streamBaseState, kReadBytesOrError, kArrayBufferOffset } = streams();
    const status = streamBaseState[kReadBytesOrError]!;
    const handle = this.pendingHandle;
    this.pendingHandle = null;
    if (handle || status > 0) readSinceStart = true;
    if (handle) reader.onHandle(handle as unknown as ClientHandle);
    if (status > 0) reader.onBytes(Buffer.from(arrayBuffer!, streamBaseState[kArrayBufferOffset]!, status));
    else if (status < 0) ended(status);
  };
  const ended = (status: number) => {
    if (status === UV_EOF && readSinceStart) {
      readSinceStart = false;
      if (stream.readStart() >= 0) return;
    }
    reader.onEnd(status);
  };
  const status = stream.readStart();
  if (status < 0) reader.onEnd(status);
}
