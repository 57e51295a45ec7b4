/**
 * lib/binding.ts — the only file in the kit that touches Node internals.
 *
 * The article's demo works one level below `net.Server`: on the libuv handles that Node wraps in C++
 * (`TCPWrap` in src/tcp_wrap.cc, `PipeWrap` in src/pipe_wrap.cc, their stream methods in
 * src/stream_base.cc). Those objects are not public API, so every use of them is here, with real types,
 * and every other file talks to this one. When a Node upgrade renames or removes one of them,
 * `assertInternals()` fails at start-up with one line that names the Node version, and nothing else in
 * the kit has to change. Checked on Node 20.20, 24.22 and 26.12.
 *
 * What we use, and where it lives in Node:
 *   - `net._createServerHandle(address, port, addressType, fd, flags)` (lib/net.js): `new TCP(SERVER)`
 *     and `bind()`, without `listen()`. It returns the handle, or a negative errno.
 *   - a TCP handle's `listen(backlog)`, `onconnection(status, clientHandle)`, `getsockname(out)`,
 *     `setNoDelay(on)` and `close()`. They return errnos instead of throwing.
 *   - the stream methods every accepted handle has (StreamBase): `readStart()`, `readStop()`, `onread`,
 *     `useUserBuffer(buffer)`, `writeBuffer(req, buffer)`, `shutdown(req)`, `writeQueueSize`, and the
 *     request objects and shared state of `process.binding('stream_wrap')`: WriteWrap, ShutdownWrap,
 *     `streamBaseState[kReadBytesOrError | kArrayBufferOffset | kLastWriteWasAsync]`. This is what
 *     net.Socket itself is built on (lib/internal/stream_base_commons.js); the raw transport uses it bare.
 *   - `process.binding('pipe_wrap')`: `Pipe` (SERVER, IPC), `PipeConnectWrap`, a pipe's `bind`, `listen`,
 *     `connect`, `open(fd)`, and the `pendingHandle` an IPC pipe sets when a handle arrives with the bytes.
 *   - `child.send(message, handle)` with a raw handle: child_process calls it a `'net.Native'` handle and
 *     passes its fd with SCM_RIGHTS (see unix(7)). Unlike `'net.Socket'` it has no `postSend`, so the
 *     sender's copy of the fd stays open until the sender closes it.
 *   - `new net.Socket({ handle })` (the `handle` option is undocumented) and a listening net.Server's
 *     `_handle.onconnection`, for the transport that goes through net.Socket and for Node's cluster.
 */
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { HandleError, MissingInternalError, type Place } from './errors';

/** A listening (or bindable) TCP handle: libuv's `uv_tcp_t` behind Node's `TCPWrap`. */
export interface ServerHandle { readonly [kind]: 'server' }
/** An accepted client connection, before anything wraps it. */
export interface ClientHandle { readonly [kind]: 'client' }
/** A listening Unix socket (`uv_pipe_t`, PipeWrap SERVER). */
export interface UnixServer { readonly [kind]: 'unix-server' }
/** A connection that Unix socket accepted: a plain byte stream, handed to a child process as an fd. */
export interface UnixConnection { readonly [kind]: 'unix-connection' }
/** An IPC pipe (PipeWrap IPC): bytes, and TCP handles riding along as SCM_RIGHTS. */
export interface HandlePipe { readonly [kind]: 'handle-pipe' }
declare const kind: unique symbol;

// ---- The internals, typed. Private: the rest of the kit sees only the opaque handles above. ----

interface HandleWrap {
  close(callback?: () => void): void;
  readonly fd: number;
}
interface StreamWrap extends HandleWrap {
  readStart(): number;
  readStop(): number;
  onread: ((this: StreamWrap, arrayBuffer?: ArrayBuffer) => void) | null;
  useUserBuffer(buffer: Uint8Array): void;
  writeBuffer(req: WriteRequest, buffer: Uint8Array): number;
  writeLatin1String(req: WriteRequest, text: string, sendHandle?: StreamWrap): number;
  shutdown(req: ShutdownRequest): number;
  readonly writeQueueSize: number;
  /** Set by an IPC pipe's read when a handle came with the bytes (LibuvStreamWrap::OnUvRead). */
  pendingHandle?: StreamWrap | null;
  [kReader]?: StreamOwner;
}
interface TcpWrap extends StreamWrap {
  listen(backlog: number): number;
  onconnection: ((status: number, clientHandle?: TcpWrap) => void) | null;
  getsockname(out: { address?: string; port?: number; family?: string }): number;
  setNoDelay(on: boolean): number;
}
interface PipeWrap extends StreamWrap {
  bind(path: string): number;
  listen(backlog: number): number;
  onconnection: ((status: number, clientHandle?: PipeWrap) => void) | null;
  connect(req: object, path: string): number;
  open(fd: number): number;
}
interface WriteRequest { handle: StreamWrap; oncomplete?(this: WriteRequest, status: number): void; buffer?: Uint8Array }
interface ShutdownRequest { handle: StreamWrap; oncomplete?(this: ShutdownRequest, status: number): void }
interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  ShutdownWrap: new () => ShutdownRequest;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}
interface PipeWrapBinding {
  Pipe: new (type: number) => PipeWrap;
  PipeConnectWrap: new () => { oncomplete(status: number): void };
  constants: { SERVER: number; IPC: number };
}
type CreateServerHandle = (address: string, port: number, addressType: 4 | 6, fd?: undefined, flags?: number) =>
  TcpWrap | number;

const kReader = Symbol('reader');
const netInternals = net as unknown as { _createServerHandle?: CreateServerHandle };
const processBinding = (process as unknown as { binding?(name: string): unknown }).binding;

function internal<T>(name: string): T {
  if (typeof processBinding !== 'function') throw new MissingInternalError('process.binding()');
  return processBinding.call(process, name) as T;
}

let streams: StreamWrapBinding;
let pipes: PipeWrapBinding;

const tcpMethods = ['listen', 'getsockname', 'close', 'setNoDelay', 'readStart', 'readStop', 'useUserBuffer',
  'writeBuffer', 'writeLatin1String', 'shutdown'] as const;
const pipeMethods = ['bind', 'listen', 'connect', 'open', 'readStart', 'writeLatin1String', 'close'] as const;

/**
 * Checks every internal the kit uses, once, before any process is forked: a broken Node fails here, in
 * one line, and not halfway through a demo. Methods live on the prototypes, so throwaway handles that
 * are never bound are enough to inspect them.
 */
export function assertInternals(): void {
  if (typeof netInternals._createServerHandle !== 'function') throw new MissingInternalError('net._createServerHandle()');
  streams = internal<StreamWrapBinding>('stream_wrap');
  pipes = internal<PipeWrapBinding>('pipe_wrap');
  for (const name of ['WriteWrap', 'ShutdownWrap', 'streamBaseState', 'kReadBytesOrError', 'kArrayBufferOffset', 'kLastWriteWasAsync'] as const) {
    if (streams[name] === undefined) throw new MissingInternalError(`process.binding('stream_wrap').${name}`);
  }
  for (const name of ['Pipe', 'PipeConnectWrap', 'constants'] as const) {
    if (pipes[name] === undefined) throw new MissingInternalError(`process.binding('pipe_wrap').${name}`);
  }
  const tcp = netInternals._createServerHandle('127.0.0.1', 0, 4);
  if (typeof tcp === 'number') throw new HandleError('bind', tcp);
  const pipe = new pipes.Pipe(pipes.constants.IPC);
  try {
    for (const method of tcpMethods) {
      if (typeof tcp[method] !== 'function') throw new MissingInternalError(`TCPWrap.prototype.${method}()`);
    }
    for (const property of ['onconnection', 'onread', 'writeQueueSize', 'fd'] as const) {
      if (!(property in tcp)) throw new MissingInternalError(`TCPWrap#${property}`);
    }
    for (const method of pipeMethods) {
      if (typeof pipe[method] !== 'function') throw new MissingInternalError(`PipeWrap.prototype.${method}()`);
    }
  } finally {
    tcp.close();
    pipe.close();
  }
}

/** The internals are looked up once, by assertInternals(); every process of the kit calls it first. */
function ready(): void {
  if (!streams) assertInternals();
}

const tcpOf = (handle: ServerHandle | ClientHandle) => handle as unknown as TcpWrap;
const pipeOf = (handle: UnixServer | UnixConnection | HandlePipe) => handle as unknown as PipeWrap;

// ---- TCP: bind, listen, accept ----

/**
 * libuv's bind flag for SO_REUSEPORT (UV_TCP_REUSEPORT in uv.h, libuv >= 1.49, which Node 22.12 brought
 * for `listen({ reusePort })`). libuv 1.46 (Node 20) ignores flags it does not know, and Node 20's
 * `_createServerHandle` does not even pass `flags` on for IPv4; the reuseport model checks the version.
 */
const UV_TCP_REUSEPORT = 2;

/**
 * Binds a TCP handle without listening.
 *
 * A port that is taken does not fail here. libuv sets SO_REUSEADDR, and when bind() fails with
 * EADDRINUSE it keeps the error in the uv_tcp_t (`delayed_error`, deps/uv/src/unix/tcp.c) and returns
 * it from the next listen() or getsockname() on that same uv_tcp_t. The article's master never calls
 * either: it sends the fd, and each worker wraps it in a fresh uv_tcp_t that knows nothing of the error.
 * The worker's listen() on a socket that was never bound succeeds: the kernel's listen (inet_listen →
 * inet_csk_listen_start → get_port(sk, 0), net/ipv4/inet_connection_sock.c) picks a free port on every
 * interface, and the demo "starts", on 0.0.0.0:4xxxx. So we ask getsockname() here, in the process that
 * holds the error.
 *
 * TCP_NODELAY is set here, once, on the listening socket: Linux copies it into every socket accept()
 * returns (the new socket is a clone of the listener, sk_clone_lock in net/core/sock.c), so no worker pays
 * a setsockopt() per connection.
 */
export function bindServerHandle(host: string, port: number, options: { reusePort?: boolean } = {}): ServerHandle {
  ready();
  const flags = options.reusePort ? UV_TCP_REUSEPORT : 0;
  const result = netInternals._createServerHandle!(host, port, net.isIPv6(host) ? 6 : 4, undefined, flags);
  const status = typeof result === 'number' ? result : result.getsockname({});
  if (status < 0) {
    if (typeof result !== 'number') result.close();
    throw new HandleError('bind', status, { host, port });
  }
  const tcp = result as TcpWrap;
  tcp.setNoDelay(true);
  return tcp as unknown as ServerHandle;
}

/**
 * Starts listening. libuv then polls the fd and, on each readable event, calls accept4() once and hands
 * the client handle to `onconnection` (uv__server_io in deps/uv/src/unix/stream.c, one accept per
 * wake-up since libuv 1.45). A failed accept never reaches JavaScript on Unix: EMFILE is shed by libuv
 * itself (uv__emfile_trick: close a spare fd, accept and close what is queued), and any other error
 * returns without calling back; the still-readable socket wakes the loop again.
 */
export function listen(handle: ServerHandle, backlog: number, onClient: (clientHandle: ClientHandle) => void, place?: Place): void {
  const tcp = tcpOf(handle);
  tcp.onconnection = (status, clientHandle) => {
    if (status >= 0 && clientHandle) onClient(clientHandle as unknown as ClientHandle);
  };
  const status = tcp.listen(backlog);
  if (status < 0) throw new HandleError('listen', status, place);
}

export interface BoundAddress { address: string; port: number; family: string }

/** What the kernel says the handle is bound to (getsockname(2)); port 0 becomes the port it picked. */
export function boundAddress(handle: ServerHandle): BoundAddress {
  const out: { address?: string; port?: number; family?: string } = {};
  const status = tcpOf(handle).getsockname(out);
  if (status < 0) throw new HandleError('getsockname', status);
  return { address: out.address ?? '', port: out.port ?? 0, family: out.family ?? '' };
}

/** Closes a handle's fd in this process. Other processes that hold a copy of it are not affected. */
export function closeHandle(handle: ServerHandle | ClientHandle | UnixServer | UnixConnection | HandlePipe): void {
  (handle as unknown as HandleWrap).close();
}

// ---- Streams: reading and writing an accepted connection (or a pipe) without net.Socket ----

/** The status a read reports at end of file (UV_EOF in uv.h; the same number on every platform). */
export const UV_EOF = -4095;

export interface StreamReader {
  /** Bytes arrived. `bytes` is a view on a buffer this process reuses for every read: copy what you keep. */
  onBytes(bytes: Buffer): void;
  /** The peer closed (UV_EOF) or the connection broke (a negative errno): no more reads come. */
  onEnd(errno: number): void;
}

/**
 * Whoever reads and writes a connection: one object per connection takes every callback (found on the
 * handle and on the requests, as Node finds a stream through `owner_symbol`), so no closure is made per
 * connection or per write.
 */
export interface StreamOwner extends StreamReader {
  /** A write that was QUEUED has gone to the kernel (status 0), or failed. */
  afterWrite(status: number): void;
  /** The FIN has been sent (status 0), or the shutdown failed. */
  afterShutdown(status: number): void;
}

/**
 * Every read of every connection lands in this one buffer (`useUserBuffer`, what net.Socket's `onread:
 * { buffer }` option uses): a read is handled before the next one can start, so nothing is allocated
 * per read. 64 KiB is libuv's suggested read size (uv__read in deps/uv/src/unix/stream.c).
 */
const READ_BUFFER_SIZE = 64 * 1024;
let readBuffer: Buffer | null = null;

/**
 * One function is every stream's `onread`; it finds its reader on the handle, as net.Socket finds its
 * stream (`this[owner_symbol]`), so a connection costs no closure. The count of bytes, or the error, is
 * in streamBaseState[kReadBytesOrError] (src/stream_base.cc, CallJSOnreadMethod).
 */
function onStreamRead(this: StreamWrap): void {
  const status = streams.streamBaseState[streams.kReadBytesOrError]!;
  if (status > 0) this[kReader]!.onBytes(readBuffer!.subarray(0, status));
  else if (status < 0) this[kReader]!.onEnd(status);
}

export function startReading(handle: ClientHandle, owner: StreamOwner): void {
  const stream = tcpOf(handle);
  readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE);
  stream[kReader] = owner;
  stream.useUserBuffer(readBuffer);
  stream.onread = onStreamRead;
  const status = stream.readStart();
  if (status < 0) owner.onEnd(status);
}

export function pauseReading(handle: ClientHandle): void {
  tcpOf(handle).readStop();
}

export function resumeReading(handle: ClientHandle): void {
  tcpOf(handle).readStart();
}

/** A write whose bytes went straight into the kernel leaves its request unused: the next write reuses it. */
let spareWrite: WriteRequest | null = null;

function onWriteComplete(this: WriteRequest, status: number): void {
  this.buffer = undefined;
  this.handle[kReader]!.afterWrite(status);
}

/**
 * Writes bytes to a connection started with startReading(). libuv first tries write() at once
 * (uv_try_write); what the kernel took is done. Returns WRITTEN, or QUEUED when the kernel's send buffer
 * was full and libuv keeps the rest (the owner's `afterWrite` says when it has gone), or a negative errno.
 */
export const WRITTEN = 0;
export const QUEUED = 1;
export function writeBytes(handle: ClientHandle, bytes: Buffer): number {
  const req = spareWrite ?? new streams.WriteWrap();
  req.handle = tcpOf(handle);
  req.oncomplete = onWriteComplete;
  const status = req.handle.writeBuffer(req, bytes);
  if (status < 0) return status;
  if (!streams.streamBaseState[streams.kLastWriteWasAsync]) {
    spareWrite = req;
    return WRITTEN;
  }
  // libuv holds a pointer into `bytes` until the write completes: keep them alive (as Node does).
  spareWrite = null;
  req.buffer = bytes;
  return QUEUED;
}

/** Bytes libuv holds for this stream that the kernel has not taken yet. */
export function queuedBytes(handle: ClientHandle): number {
  return tcpOf(handle).writeQueueSize;
}

function onShutdownComplete(this: ShutdownRequest, status: number): void {
  this.handle[kReader]!.afterShutdown(status);
}

/**
 * Half-closes our side: libuv waits for queued writes, then calls shutdown(SHUT_WR), and the peer reads
 * EOF after the last byte; the owner's `afterShutdown` follows. Reading goes on. Returns 0, or a negative
 * errno (ENOTCONN: the peer is gone).
 */
export function shutdown(handle: ClientHandle): number {
  const req = new streams.ShutdownWrap();
  req.handle = tcpOf(handle);
  req.oncomplete = onShutdownComplete;
  return req.handle.shutdown(req);
}

// ---- Unix sockets and IPC pipes: the rr-pipelined model's own channel for handles ----

/** Listens on a Unix socket path; each connection is handed to `onConnection`. */
export function listenUnix(path: string, backlog: number, onConnection: (connection: UnixConnection) => void): UnixServer {
  ready();
  const server = new pipes.Pipe(pipes.constants.SERVER);
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
  ready();
  return new Promise((resolve, reject) => {
    const pipe = new pipes.Pipe(pipes.constants.IPC);
    const req = new pipes.PipeConnectWrap();
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
  ready();
  const pipe = new pipes.Pipe(pipes.constants.IPC);
  const status = pipe.open(fd);
  if (status < 0) throw new HandleError('open', status);
  return pipe as unknown as HandlePipe;
}

/**
 * Sends a client handle over an IPC pipe: one byte, with the fd as SCM_RIGHTS ancillary data
 * (uv_write2, deps/uv/src/unix/stream.c). Returns 0 or a negative errno. A write that carries a handle
 * always completes later (Node never tries it synchronously, StreamBase::Write), and a request without an
 * `oncomplete` is finished without calling into JavaScript (ReportWritesToJSStreamListener in
 * src/stream_base.cc): the sender here does not need to hear, because a pipe that fails is a worker
 * that died, and its exit says so. The sender's copy of the fd stays open until it closes it.
 */
export function sendHandle(pipe: HandlePipe, clientHandle: ClientHandle): number {
  const req = new streams.WriteWrap();
  req.handle = pipeOf(pipe);
  return req.handle.writeLatin1String(req, 'h', tcpOf(clientHandle));
}

/** Half-closes a pipe once what is queued has gone: the other end reads EOF after the last handle. */
export function endPipe(pipe: HandlePipe): void {
  const req = new streams.ShutdownWrap();
  req.handle = pipeOf(pipe);
  req.handle.shutdown(req);
}

/** Writes text on a pipe (the receiver's acknowledgements), with no completion callback (see sendHandle). */
export function writeText(pipe: HandlePipe, text: string): number {
  const req = new streams.WriteWrap();
  req.handle = pipeOf(pipe);
  return req.handle.writeLatin1String(req, text);
}

export interface PipeReader extends StreamReader {
  /** A handle arrived (with the byte that carried it). */
  onHandle(clientHandle: ClientHandle): void;
}

/**
 * Reads an IPC pipe. Each sendmsg() that carries an fd is its own read on Linux (unix_stream_read_generic
 * never merges two messages with ancillary data), so a read brings at most one handle: Node accepts it
 * into a new TCPWrap and leaves it on the pipe as `pendingHandle` (LibuvStreamWrap::OnUvRead).
 */
export function readPipe(pipe: HandlePipe, reader: PipeReader): void {
  const stream = pipeOf(pipe);
  stream.onread = function (this: StreamWrap, arrayBuffer?: ArrayBuffer) {
    const status = streams.streamBaseState[streams.kReadBytesOrError]!;
    const handle = this.pendingHandle;
    this.pendingHandle = null;
    if (handle) reader.onHandle(handle as unknown as ClientHandle);
    if (status > 0) {
      reader.onBytes(Buffer.from(arrayBuffer!, streams.streamBaseState[streams.kArrayBufferOffset]!, status));
    } else if (status < 0) reader.onEnd(status);
  };
  const status = stream.readStart();
  if (status < 0) reader.onEnd(status);
}

// ---- child_process and net: the public API, used with raw handles ----

export type SendCallback = (error: Error | null) => void;

/**
 * Sends a raw handle to another process over child_process's channel. Node's types only admit a
 * net.Socket or net.Server here; a bare TCPWrap is what child_process calls 'net.Native'
 * (lib/internal/child_process.js, `handleConversion`). The callback fires once the message and the fd
 * are written, or with an error if the channel is closed. A handle queued behind another handle's ACK
 * never gets a callback if the receiver dies first: the caller has to remember what it sent.
 */
export function sendOverChannel(target: ChildProcess, message: object, handle: ServerHandle | ClientHandle,
  callback: SendCallback): void {
  target.send(message, handle as unknown as net.Server, callback);
}

/** A received handle, once we have checked it is a TCP handle and not a socket or server object. */
export function asServerHandle(received: unknown): ServerHandle | null {
  return isTcpWrap(received) ? (received as unknown as ServerHandle) : null;
}
export function asClientHandle(received: unknown): ClientHandle | null {
  return isTcpWrap(received) ? (received as unknown as ClientHandle) : null;
}
function isTcpWrap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof net.Socket) &&
    typeof (value as Partial<TcpWrap>).listen === 'function' &&
    typeof (value as Partial<TcpWrap>).getsockname === 'function';
}

/**
 * Wraps an accepted client handle the way net.Server does (lib/net.js `onconnection`). The article sets
 * `socket.readable = socket.writable = true` afterwards; the constructor options say the same thing.
 */
export function socketFromClientHandle(clientHandle: ClientHandle): net.Socket {
  const options = { handle: clientHandle, readable: true, writable: true };
  return new net.Socket(options as unknown as net.SocketConstructorOpts);
}

/**
 * Takes the client handles of a listening net.Server before net.Socket wraps them: net.Server sets
 * `_handle.onconnection` when it listens (setupListenHandle in lib/net.js), and in a cluster worker that
 * `_handle` is either the shared TCP handle (SCHED_NONE) or the object the worker's cluster code calls
 * for each connection the primary sends (SCHED_RR, `onconnection` in lib/internal/cluster/child.js).
 */
export function takeConnections(server: net.Server, onClient: (clientHandle: ClientHandle) => void): void {
  const handle = (server as unknown as { _handle: TcpWrap | null })._handle;
  if (!handle || !('onconnection' in handle)) throw new MissingInternalError('net.Server#_handle.onconnection');
  handle.onconnection = (status, clientHandle) => {
    if (status >= 0 && clientHandle) onClient(clientHandle as unknown as ClientHandle);
  };
}
