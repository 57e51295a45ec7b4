/**
 * lib/binding/internals.ts — Node's C++ objects behind the handles, typed, and checked once at start-up.
 *
 * The article's demo works one level below `net.Server`: on the libuv handles that Node wraps in C++
 * (`TCPWrap` in src/tcp_wrap.cc, `PipeWrap` in src/pipe_wrap.cc, their stream methods in
 * src/stream_base.cc). Those objects are not public API, so lib/binding/ is the only folder of the kit
 * that touches them, and this file is the only one that looks them up. When a Node upgrade renames or
 * removes one, `assertInternals()` fails at start-up with one line that names the Node version, and
 * nothing outside lib/binding/ has to change. Checked on Node 20.20, 24.22 and 26.12.
 *
 * The rest of the kit sees only opaque handles (the interfaces below with a `kind` brand); the files of
 * this folder (tcp.ts, stream.ts, pipe.ts, channel.ts) turn them back into the C++ objects they are.
 */
import net from 'node:net';
import { HandleError, MissingInternalError } from '../errors';

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
export type AnyHandle = ServerHandle | ClientHandle | UnixServer | UnixConnection | HandlePipe;
declare const kind: unique symbol;

export interface HandleWrap {
  close(callback?: () => void): void;
  readonly fd: number;
}
export interface StreamWrap extends HandleWrap {
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
  [kOwner]?: unknown;
}
export interface TcpWrap extends StreamWrap {
  listen(backlog: number): number;
  onconnection: ((status: number, clientHandle?: TcpWrap) => void) | null;
  getsockname(out: { address?: string; port?: number; family?: string }): number;
  setNoDelay(on: boolean): number;
  connect(req: ConnectRequest, address: string, port: number): number;
  connect6(req: ConnectRequest, address: string, port: number): number;
}
export interface ConnectRequest { oncomplete(status: number, handle: TcpWrap): void }
export interface PipeWrap extends StreamWrap {
  bind(path: string): number;
  listen(backlog: number): number;
  onconnection: ((status: number, clientHandle?: PipeWrap) => void) | null;
  connect(req: object, path: string): number;
  open(fd: number): number;
}
export interface WriteRequest { handle: StreamWrap; oncomplete?(this: WriteRequest, status: number): void; buffer?: Uint8Array }
export interface ShutdownRequest { handle: StreamWrap; oncomplete?(this: ShutdownRequest, status: number): void }
interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  ShutdownWrap: new () => ShutdownRequest;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpWrap;
  TCPConnectWrap: new () => ConnectRequest;
  constants: { SOCKET: number };
}
interface PipeWrapBinding {
  Pipe: new (type: number) => PipeWrap;
  PipeConnectWrap: new () => { oncomplete(status: number): void };
  constants: { SERVER: number; IPC: number };
}
type CreateServerHandle = (address: string, port: number, addressType: 4 | 6, fd?: undefined, flags?: number) =>
  TcpWrap | number;

/** Whoever takes a stream's callbacks (stream.ts, pipe.ts), found on the handle as Node finds `owner_symbol`. */
export const kOwner = Symbol('owner');
export const netInternals = net as unknown as { _createServerHandle?: CreateServerHandle };
const processBinding = (process as unknown as { binding?(name: string): unknown }).binding;

function internal<T>(name: string): T {
  if (typeof processBinding !== 'function') throw new MissingInternalError('process.binding()');
  return processBinding.call(process, name) as T;
}

let streamBinding: StreamWrapBinding | null = null;
let pipeBinding: PipeWrapBinding | null = null;
let tcpBinding: TcpWrapBinding | null = null;

const tcpMethods = ['listen', 'getsockname', 'close', 'setNoDelay', 'readStart', 'readStop', 'useUserBuffer',
  'writeBuffer', 'writeLatin1String', 'shutdown', 'connect', 'connect6'] as const;
const pipeMethods = ['bind', 'listen', 'connect', 'open', 'readStart', 'writeLatin1String', 'close'] as const;

/**
 * Checks every internal the kit uses, once, before any process is forked: a broken Node fails here, in
 * one line, and not halfway through a demo. Methods live on the prototypes, so throwaway handles that
 * are never bound are enough to inspect them.
 */
export function assertInternals(): void {
  if (typeof netInternals._createServerHandle !== 'function') throw new MissingInternalError('net._createServerHandle()');
  const foundStreams = internal<StreamWrapBinding>('stream_wrap');
  const foundPipes = internal<PipeWrapBinding>('pipe_wrap');
  const foundTcp = internal<TcpWrapBinding>('tcp_wrap');
  for (const name of ['WriteWrap', 'ShutdownWrap', 'streamBaseState', 'kReadBytesOrError', 'kArrayBufferOffset', 'kLastWriteWasAsync'] as const) {
    if (foundStreams[name] === undefined) throw new MissingInternalError(`process.binding('stream_wrap').${name}`);
  }
  for (const name of ['Pipe', 'PipeConnectWrap', 'constants'] as const) {
    if (foundPipes[name] === undefined) throw new MissingInternalError(`process.binding('pipe_wrap').${name}`);
  }
  for (const name of ['TCP', 'TCPConnectWrap'] as const) {
    if (typeof foundTcp[name] !== 'function') throw new MissingInternalError(`process.binding('tcp_wrap').${name}`);
  }
  if (typeof foundTcp.constants?.SOCKET !== 'number') throw new MissingInternalError(`process.binding('tcp_wrap').constants.SOCKET`);
  const tcp = netInternals._createServerHandle('127.0.0.1', 0, 4);
  if (typeof tcp === 'number') throw new HandleError('bind', tcp);
  const pipe = new foundPipes.Pipe(foundPipes.constants.IPC);
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
  streamBinding = foundStreams;
  pipeBinding = foundPipes;
  tcpBinding = foundTcp;
}

/** process.binding('tcp_wrap'), checked: for the client side (tcp.ts, connectTcp). */
export function tcps(): TcpWrapBinding {
  if (!tcpBinding) assertInternals();
  return tcpBinding!;
}

/** process.binding('stream_wrap'), checked: every process of the kit calls assertInternals() first. */
export function streams(): StreamWrapBinding {
  if (!streamBinding) assertInternals();
  return streamBinding!;
}

/** process.binding('pipe_wrap'), checked. */
export function pipes(): PipeWrapBinding {
  if (!pipeBinding) assertInternals();
  return pipeBinding!;
}

export const tcpOf = (handle: ServerHandle | ClientHandle) => handle as unknown as TcpWrap;
export const pipeOf = (handle: UnixServer | UnixConnection | HandlePipe) => handle as unknown as PipeWrap;
export const streamOf = (handle: ClientHandle | HandlePipe) => handle as unknown as StreamWrap;
