/**
 * lib/binding.ts — the only file in the kit that touches Node internals.
 *
 * The article's demo works one level below `net.Server`: on the libuv TCP handle that Node wraps in
 * C++ (`TCPWrap`, src/tcp_wrap.cc). Those objects are not public API, so every use of them is here, with
 * real types, and every other file talks to this one. When a Node upgrade renames or removes one of them,
 * `assertInternals()` fails at start-up with one line that names the Node version, and nothing else in
 * the kit has to change.
 *
 * What we use, and where it lives in Node (lib/net.js, lib/internal/child_process.js):
 *   - `net._createServerHandle(address, port, addressType)`: `new TCP(TCPConstants.SERVER)` and `bind()`,
 *     without `listen()`. It returns the handle, or a negative errno.
 *   - the handle's `listen(backlog)`, `onconnection(status, clientHandle)`, `getsockname(out)`, `close()`:
 *     methods of TCPWrap / HandleWrap / StreamWrap in C++. They return errnos instead of throwing.
 *   - `new net.Socket({ handle })`: how `net.Server` itself wraps an accepted client (lib/net.js,
 *     `onconnection`). The `handle` option is undocumented.
 *   - `child.send(message, handle)` with a raw handle: child_process calls it a `'net.Native'` handle and
 *     passes its fd with SCM_RIGHTS (see unix(7)). Unlike `'net.Socket'` it has no `postSend`, so the sender's
 *     copy of the fd stays open until the sender closes it.
 */
import net from 'node:net';
import util from 'node:util';
import type { ChildProcess } from 'node:child_process';

/** A listening (or bindable) TCP handle: libuv's `uv_tcp_t` behind Node's `TCPWrap`. */
export interface ServerHandle {
  readonly [kind]: 'server';
}
/** An accepted client connection, before anything wraps it in a `net.Socket`. */
export interface ClientHandle {
  readonly [kind]: 'client';
}
declare const kind: unique symbol;

/** The parts of TCPWrap we call. Kept private: the rest of the kit only sees the opaque handles above. */
interface TcpWrap {
  listen(backlog: number): number;
  onconnection: ((status: number, clientHandle?: TcpWrap) => void) | null;
  getsockname(out: { address?: string; port?: number; family?: string }): number;
  close(callback?: () => void): void;
}
type CreateServerHandle = (address: string, port: number, addressType: 4 | 6, fd?: undefined, flags?: number) =>
  TcpWrap | number;

/**
 * libuv's bind flag for SO_REUSEPORT (UV_TCP_REUSEPORT in uv.h, libuv >= 1.49, which Node 22.12 brought
 * for `listen({ reusePort })`). Older libuv rejects the flag with EINVAL; the reuseport model checks the
 * Node version first.
 */
const UV_TCP_REUSEPORT = 2;

/** A libuv error as data: `code` is what `util.getSystemErrorName` calls the errno (EADDRINUSE, EMFILE). */
export class HandleError extends Error {
  readonly code: string;
  /** The port involved, when the error came from a listen() on one (a worker's, for instance). */
  port?: number;
  constructor(readonly syscall: string, readonly errno: number) {
    const code = util.getSystemErrorName(errno);
    super(`${syscall} ${code}`);
    this.name = 'HandleError';
    this.code = code;
  }
}

/** A Node internal the kit depends on is gone or changed shape. */
export class MissingInternalError extends Error {
  constructor(what: string) {
    super(`${what} is missing in Node ${process.version}; handoff was written against Node 20, 22 ` +
      'and 24, and lib/binding.ts is the one file to adapt');
    this.name = 'MissingInternalError';
  }
}

const netInternals = net as unknown as { _createServerHandle?: CreateServerHandle };
const tcpMethods = ['listen', 'getsockname', 'close'] as const;

/**
 * Checks every internal the kit uses, once, before any process is forked: a broken Node fails here, in
 * one line, and not halfway through a demo. The handle methods live on the prototype, so a throwaway
 * unbound handle is enough to inspect them.
 */
export function assertInternals(): void {
  if (typeof netInternals._createServerHandle !== 'function') {
    throw new MissingInternalError('net._createServerHandle()');
  }
  const probe = netInternals._createServerHandle('127.0.0.1', 0, 4);
  if (typeof probe === 'number') throw new HandleError('bind', probe);
  for (const method of tcpMethods) {
    if (typeof probe[method] !== 'function') throw new MissingInternalError(`TCPWrap.prototype.${method}()`);
  }
  if (!('onconnection' in probe)) throw new MissingInternalError('TCPWrap#onconnection');
  probe.close();
}

function unwrap(handle: ServerHandle | ClientHandle): TcpWrap {
  return handle as unknown as TcpWrap;
}

/**
 * Binds a TCP handle without listening.
 *
 * A port that is taken does not fail here. libuv sets SO_REUSEADDR, and when bind() fails with
 * EADDRINUSE it keeps the error in the uv_tcp_t (`delayed_error`, deps/uv/src/unix/tcp.c) and returns
 * it from the next listen() or getsockname() on that same uv_tcp_t. The article's master never calls
 * either: it sends the fd, and each worker wraps it in a fresh uv_tcp_t that knows nothing of the error.
 * The worker's listen() on a socket that was never bound succeeds, and the kernel binds it to a random
 * port on every interface (inet_autobind() in net/ipv4/af_inet.c): the demo "starts", on 0.0.0.0:4xxxx.
 * So we ask getsockname() here, in the process that holds the error.
 */
export function bindServerHandle(host: string, port: number, options: { reusePort?: boolean } = {}): ServerHandle {
  const flags = options.reusePort ? UV_TCP_REUSEPORT : 0;
  const result = netInternals._createServerHandle!(host, port, net.isIPv6(host) ? 6 : 4, undefined, flags);
  const status = typeof result === 'number' ? result : result.getsockname({});
  if (status >= 0) return result as unknown as ServerHandle;
  if (typeof result !== 'number') result.close();
  const error = new HandleError('bind', status);
  error.port = port;
  throw error;
}

export type ConnectionListener = (error: HandleError | null, clientHandle: ClientHandle | null) => void;

/**
 * Starts listening. libuv then polls the fd and, on each readable event, calls accept4() and hands the
 * client handle to `onconnection` (uv__server_io in deps/uv/src/unix/stream.c). A negative status is a
 * failed accept, EMFILE for instance: the listening handle is still fine, so it is an event, not a throw.
 */
export function listen(handle: ServerHandle, backlog: number, onConnection: ConnectionListener): void {
  const tcp = unwrap(handle);
  tcp.onconnection = (status, clientHandle) => {
    if (status < 0 || !clientHandle) onConnection(new HandleError('accept', status), null);
    else onConnection(null, clientHandle as unknown as ClientHandle);
  };
  const status = tcp.listen(backlog);
  if (status < 0) throw new HandleError('listen', status);
}

export interface BoundAddress { address: string; port: number; family: string }

/** What the kernel says the handle is bound to (getsockname(2)); port 0 becomes the port it picked. */
export function boundAddress(handle: ServerHandle): BoundAddress {
  const out: { address?: string; port?: number; family?: string } = {};
  const status = unwrap(handle).getsockname(out);
  if (status < 0) throw new HandleError('getsockname', status);
  return { address: out.address ?? '', port: out.port ?? 0, family: out.family ?? '' };
}

/** Closes a handle's fd in this process. Other processes that hold a copy of it are not affected. */
export function closeHandle(handle: ServerHandle | ClientHandle): void {
  unwrap(handle).close();
}

/**
 * Wraps an accepted client handle the way net.Server does (lib/net.js `onconnection`). The article sets
 * `socket.readable = socket.writable = true` afterwards; the constructor options say the same thing.
 */
export function socketFromClientHandle(clientHandle: ClientHandle): net.Socket {
  const options = { handle: clientHandle, readable: true, writable: true };
  return new net.Socket(options as unknown as net.SocketConstructorOpts);
}

export type SendCallback = (error: Error | null) => void;

/**
 * Sends a raw handle to another process. Node's types only admit a net.Socket or net.Server here; a bare
 * TCPWrap is what child_process calls 'net.Native' (lib/internal/child_process.js, `handleConversion`).
 * The callback fires once the message and the fd are written to the IPC pipe, or with an error if the
 * channel is closed. A handle queued behind another handle's ACK never gets a callback if the receiver
 * dies first: the caller has to remember what it sent.
 */
export function sendHandle(
  target: ChildProcess, message: object, handle: ServerHandle | ClientHandle, callback: SendCallback,
): void {
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
