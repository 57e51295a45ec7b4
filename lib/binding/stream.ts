/**
 * lib/binding/stream.ts — reading and writing an accepted connection without net.Socket.
 *
 * Every accepted handle has the stream methods of StreamBase (src/stream_base.cc): `readStart()`,
 * `readStop()`, `onread`, `useUserBuffer(buffer)`, `writeBuffer(req, buffer)`, `shutdown(req)`,
 * `writeQueueSize`, with the request objects and shared state of `process.binding('stream_wrap')`:
 * WriteWrap, ShutdownWrap, `streamBaseState[kReadBytesOrError | kArrayBufferOffset | kLastWriteWasAsync]`.
 * This is what net.Socket itself is built on (lib/internal/stream_base_commons.js); the raw transport
 * (lib/http/raw-transport.ts) uses it bare.
 */
import { kOwner, streams, streamOf, type ClientHandle, type ShutdownRequest, type StreamWrap, type WriteRequest } from './internals';

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

const ownerOf = (stream: StreamWrap) => stream[kOwner] as StreamOwner;

/**
 * One function is every stream's `onread`; it finds its owner on the handle, as net.Socket finds its
 * stream (`this[owner_symbol]`), so a connection costs no closure. The count of bytes, or the error, is
 * in streamBaseState[kReadBytesOrError] (src/stream_base.cc, CallJSOnreadMethod).
 */
function onStreamRead(this: StreamWrap): void {
  const { streamBaseState, kReadBytesOrError } = streams();
  const status = streamBaseState[kReadBytesOrError]!;
  if (status > 0) ownerOf(this).onBytes(readBuffer!.subarray(0, status));
  else if (status < 0) ownerOf(this).onEnd(status);
}

export function startReading(handle: ClientHandle, owner: StreamOwner): void {
  const stream = streamOf(handle);
  readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE);
  stream[kOwner] = owner;
  stream.useUserBuffer(readBuffer);
  stream.onread = onStreamRead;
  const status = stream.readStart();
  if (status < 0) owner.onEnd(status);
}

/**
 * Stops reading (libuv stops polling the fd for input). What arrives meanwhile waits in the kernel's
 * receive queue, in the socket itself, for whichever process reads it next.
 */
export function pauseReading(handle: ClientHandle): void {
  streamOf(handle).readStop();
}

export function resumeReading(handle: ClientHandle): void {
  streamOf(handle).readStart();
}

/** A write whose bytes went straight into the kernel leaves its request unused: the next write reuses it. */
let spareWrite: WriteRequest | null = null;

function onWriteComplete(this: WriteRequest, status: number): void {
  this.buffer = undefined;
  ownerOf(this.handle).afterWrite(status);
}

/**
 * Writes bytes to a connection started with startReading(). libuv first tries write() at once
 * (uv_try_write); what the kernel took is done. Returns WRITTEN, or QUEUED when the kernel's send buffer
 * was full and libuv keeps the rest (the owner's `afterWrite` says when it has gone), or a negative errno.
 */
export const WRITTEN = 0;
export const QUEUED = 1;
export function writeBytes(handle: ClientHandle, bytes: Buffer): number {
  const { WriteWrap, streamBaseState, kLastWriteWasAsync } = streams();
  const req = spareWrite ?? new WriteWrap();
  req.handle = streamOf(handle);
  req.oncomplete = onWriteComplete;
  const status = req.handle.writeBuffer(req, bytes);
  if (status < 0) return status;
  if (!streamBaseState[kLastWriteWasAsync]) {
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
  return streamOf(handle).writeQueueSize;
}

function onShutdownComplete(this: ShutdownRequest, status: number): void {
  ownerOf(this.handle).afterShutdown(status);
}

/**
 * Half-closes our side: libuv waits for queued writes, then calls shutdown(SHUT_WR), and the peer reads
 * EOF after the last byte; the owner's `afterShutdown` follows. Reading goes on. Returns 0, or a negative
 * errno (ENOTCONN: the peer is gone).
 */
export function shutdown(handle: ClientHandle): number {
  const req = new (streams().ShutdownWrap)();
  req.handle = streamOf(handle);
  req.oncomplete = onShutdownComplete;
  return req.handle.shutdown(req);
}
