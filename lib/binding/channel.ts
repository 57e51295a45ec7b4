/**
 * lib/binding/channel.ts — the public child_process and net APIs, used with raw handles.
 *
 *   - `child.send(message, handle)` with a raw handle: child_process calls it a `'net.Native'` handle and
 *     passes its fd with SCM_RIGHTS (see unix(7)). Unlike `'net.Socket'` it has no `postSend`, so the
 *     sender's copy of the fd stays open until the sender closes it;
 *   - `new net.Socket({ handle })` (the `handle` option is undocumented) and a listening net.Server's
 *     `_handle.onconnection`, for the transport that goes through net.Socket and for Node's cluster.
 */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { MissingInternalError } from '../errors';
import type { ClientHandle, ServerHandle, TcpWrap } from './internals';

export type SendCallback = (error: Error | null) => void;

/** The sending end of child_process's channel: a ChildProcess in the master, `process` in a worker. */
export type ChannelEnd = Pick<ChildProcess, 'send'>;

/**
 * Sends a message over child_process's channel, with a raw handle or without one. Node's types only admit
 * a net.Socket or net.Server here; a bare TCPWrap is what child_process calls 'net.Native'
 * (lib/internal/child_process.js, `handleConversion`). The callback fires once the message and the fd
 * are written, or with an error if the channel is closed. A handle queued behind another handle's ACK
 * never gets a callback if the receiver dies first: the caller has to remember what it sent.
 */
export function sendOverChannel(end: ChannelEnd, message: object, handle: ServerHandle | ClientHandle | null,
  callback: SendCallback): void {
  if (handle) end.send(message, handle as unknown as net.Server, callback);
  else end.send(message, callback);
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
 * Takes a connected net.Socket's handle out of it, so that the connection can move to another process:
 * the handle stops reading (`readStop`; net.Socket's own `pause()` would let libuv read on into the
 * stream's buffer), the socket is destroyed without it (net.Socket closes only the `_handle` it still
 * has, lib/net.js `_destroy`), and the handle, open, is returned. child_process does the like when it
 * sends a net.Socket (`handleConversion['net.Socket'].send`), but leaves the handle reading into a no-op
 * until the receiver's acknowledgement: bytes that arrive meanwhile would be lost. Returns null if the
 * socket has no handle.
 */
export function detachSocket(socket: net.Socket): ClientHandle | null {
  const internals = socket as unknown as { _handle: (TcpWrap & { reading?: boolean }) | null };
  const handle = internals._handle;
  if (!handle) return null;
  handle.readStop();
  handle.reading = false;
  internals._handle = null;
  socket.destroy();
  return handle as unknown as ClientHandle;
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
