/**
 * lib/binding/tcp.ts — TCP handles: bind without listening, listen, accept, connect, close.
 *
 * What we use, and where it lives in Node:
 *   - `net._createServerHandle(address, port, addressType, fd, flags)` (lib/net.js): `new TCP(SERVER)`
 *     and `bind()`, without `listen()`. It returns the handle, or a negative errno;
 *   - a TCP handle's `listen(backlog)`, `onconnection(status, clientHandle)`, `getsockname(out)`,
 *     `setNoDelay(on)` and `close()`. They return errnos instead of throwing.
 */
import net from 'node:net';
import { HandleError, type Place } from '../errors';
import { netInternals, tcpOf, tcps, type AnyHandle, type ClientHandle, type HandleWrap, type ServerHandle, type TcpWrap } from './internals';

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
  const createServerHandle = netInternals._createServerHandle!;
  const flags = options.reusePort ? UV_TCP_REUSEPORT : 0;
  const result = createServerHandle(host, port, net.isIPv6(host) ? 6 : 4, undefined, flags);
  if (typeof result === 'number') throw new HandleError('bind', result, { host, port });
  const status = result.getsockname({});
  if (status < 0) {
    result.close();
    throw new HandleError('bind', status, { host, port });
  }
  result.setNoDelay(true);
  return result as unknown as ServerHandle;
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

/**
 * Opens a connection from this process, the client side, without net.Socket: `new TCP(SOCKET)` and
 * `connect(req, address, port)`, what net.Socket does underneath (internalConnect in lib/net.js), then
 * libuv's non-blocking connect() and a wait for the socket to become writable (uv__stream_connect in
 * deps/uv/src/unix/stream.c). `onConnected` gets 0 and the handle, ready for stream.ts, or a negative
 * errno (ECONNREFUSED), the handle then closed. Returns 0, or the errno of a connect that failed at once
 * (no callback then). The load tool uses it (tools/measure/raw-client.ts): a connection per request costs
 * a quarter of what it costs through net.Socket.
 */
export function connectTcp(host: string, port: number, onConnected: (status: number, clientHandle: ClientHandle) => void): number {
  const { TCP, TCPConnectWrap, constants } = tcps();
  const tcp = new TCP(constants.SOCKET);
  const req = new TCPConnectWrap();
  req.oncomplete = (status: number, handle: TcpWrap) => {
    if (status < 0) handle.close();
    onConnected(status, handle as unknown as ClientHandle);
  };
  const status = net.isIPv6(host) ? tcp.connect6(req, host, port) : tcp.connect(req, host, port);
  if (status < 0) tcp.close();
  return status;
}

export interface BoundAddress { address: string; port: number; family: string }

/** What the kernel says the handle is bound to (getsockname(2)); port 0 becomes the port it picked. */
export function boundAddress(handle: ServerHandle): BoundAddress {
  const out: { address?: string; port?: number; family?: string } = {};
  const status = tcpOf(handle).getsockname(out);
  if (status < 0) throw new HandleError('getsockname', status);
  return { address: out.address ?? '', port: out.port ?? 0, family: out.family ?? '' };
}

/**
 * Closes a handle's fd in this process. Other processes that hold a copy of it are not affected: the
 * socket lives as long as some process (or a message in flight on a Unix socket) holds a reference.
 */
export function closeHandle(handle: AnyHandle): void {
  (handle as unknown as HandleWrap).close();
}
