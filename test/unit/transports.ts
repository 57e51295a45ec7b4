/**
 * The two transports (lib/http/raw-transport.ts, socket-transport.ts) with fakes where the handle or the
 * net.Socket would be: what each does on a write the kernel takes, a short write, a failed write, the
 * peer's FIN before and after ours, a close while bytes are queued. And the raw transport under the real
 * responder: a client that half-closes after its request gets our FIN at once.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import t from 'tap';
import type { ClientHandle } from '../../lib/binding/internals';
import { QUEUED, UV_EOF, WRITTEN, type StreamOwner } from '../../lib/binding/stream';
import { RawTransport, type RawStream } from '../../lib/http/raw-transport';
import { Responder } from '../../lib/http/responder';
import { SocketTransport } from '../../lib/http/socket-transport';
import type { TransportReceiver } from '../../lib/http/transport';
import { FakeClock } from '../helpers/fake-transport';

const ECONNRESET = -104;
const ENOTCONN = -107;
const EPIPE = -32;

/** The handle's side, played by the test: every call recorded, what each write and shutdown returns set by it. */
class FakeStream implements RawStream {
  readonly calls: string[] = [];
  owner: StreamOwner | null = null;
  nextWrite = WRITTEN;
  nextShutdown = 0;
  startReading(_handle: ClientHandle, owner: StreamOwner): void {
    this.owner = owner;
    this.calls.push('read');
  }
  pauseReading(): void {
    this.calls.push('pause');
  }
  resumeReading(): void {
    this.calls.push('resume');
  }
  writeBytes(_handle: ClientHandle, bytes: Buffer): number {
    this.calls.push(`write ${bytes.toString('latin1')}`);
    return this.nextWrite;
  }
  shutdown(): number {
    this.calls.push('shutdown');
    return this.nextShutdown;
  }
  closeHandle(): void {
    this.calls.push('close');
  }
}

/** What the transport told the responder. */
function receiver(): TransportReceiver & { heard: string[] } {
  const heard: string[] = [];
  return {
    heard,
    onBytes: (bytes) => void heard.push(`bytes ${bytes.toString('latin1')}`),
    onEnd: () => void heard.push('end'),
    onWritten: () => void heard.push('written'),
    onClosed: () => void heard.push('closed'),
  };
}

function raw() {
  const stream = new FakeStream();
  const transport = new RawTransport({} as ClientHandle, stream);
  const heard = receiver();
  transport.start(heard);
  return { stream, transport, heard: heard.heard, owner: () => stream.owner! };
}

t.test('raw: a write the kernel takes is done; a short one is QUEUED, and its completion says written', async (t) => {
  const { stream, transport, heard, owner } = raw();
  t.same(stream.calls, ['read']);
  t.equal(transport.write(Buffer.from('a')), true);
  stream.nextWrite = QUEUED;
  t.equal(transport.write(Buffer.from('b')), false, 'queued: the caller should stop reading');
  t.equal(transport.write(Buffer.from('c')), false);
  owner().afterWrite(0);
  t.same(heard, [], 'one of two queued writes done: not yet written');
  owner().afterWrite(0);
  t.same(heard, ['written']);
});

t.test('raw: a failed write closes the connection, once', async (t) => {
  const { stream, transport, heard } = raw();
  stream.nextWrite = EPIPE;
  t.equal(transport.write(Buffer.from('a')), false);
  t.same(stream.calls.slice(-1), ['close']);
  t.equal(transport.write(Buffer.from('b')), false, 'nothing is written to a closed connection');
  t.same(stream.calls, ['read', 'write a', 'close']);
  t.same(heard, ['closed']);
  stream.nextWrite = QUEUED;
  const { owner, heard: later } = raw();
  owner().afterWrite(ECONNRESET);
  t.same(later, ['closed'], 'a queued write that fails later closes it too');
});

t.test('raw: the peer\'s FIN before ours: we end at once, and close when our FIN is out', async (t) => {
  const { stream, heard, owner } = raw();
  owner().onBytes(Buffer.from('GET'));
  owner().onEnd(UV_EOF);
  t.same(stream.calls, ['read', 'shutdown'], 'our FIN at once, not after any timeout');
  t.same(heard, ['bytes GET', 'end']);
  owner().afterShutdown(0);
  t.same(stream.calls.at(-1), 'close');
  t.same(heard.at(-1), 'closed');
});

t.test('raw: our FIN before theirs: the connection lingers, reading, until the peer\'s FIN', async (t) => {
  const { stream, transport, heard, owner } = raw();
  transport.end(Buffer.from('bye'));
  t.same(stream.calls, ['read', 'write bye', 'shutdown']);
  owner().afterShutdown(0);
  t.notOk(stream.calls.includes('close'), 'half-closed: still reading what the client sends');
  owner().onBytes(Buffer.from('late'));
  owner().onEnd(UV_EOF);
  t.same(stream.calls.at(-1), 'close');
  t.same(heard, ['bytes late', 'end', 'closed']);
  transport.end(Buffer.from('again'));
  t.equal(stream.calls.filter((call) => call === 'shutdown').length, 1, 'one FIN only');
  t.notOk(stream.calls.includes('write again'), 'nothing written after our FIN');
});

t.test('raw: the peer\'s FIN while ours is still on its way: close only when ours is out', async (t) => {
  const { stream, transport, heard, owner } = raw();
  transport.end(Buffer.alloc(0));
  owner().onEnd(UV_EOF);
  t.notOk(stream.calls.includes('close'), 'our shutdown request has not completed');
  t.same(heard, ['end']);
  owner().afterShutdown(0);
  t.same(stream.calls, ['read', 'shutdown', 'close']);
  const failed = raw();
  failed.transport.end(Buffer.alloc(0));
  failed.owner().afterShutdown(ENOTCONN);
  t.same(failed.stream.calls, ['read', 'shutdown', 'close'], 'a shutdown that fails on its way closes');
});

t.test('raw: a second end is nothing: no bytes after our FIN, no second shutdown', async (t) => {
  const { stream, transport } = raw();
  transport.end(Buffer.from('a'));
  transport.end(Buffer.from('b'));
  t.same(stream.calls, ['read', 'write a', 'shutdown']);
});

t.test('raw: pause and resume reach the handle while it is open', async (t) => {
  const { stream, transport } = raw();
  transport.pause();
  transport.resume();
  t.same(stream.calls, ['read', 'pause', 'resume']);
});

t.test('raw: release stops reading and hands the handle over, unless anything is under way', async (t) => {
  const idle = raw();
  idle.transport.write(Buffer.from('a'));
  const handle = idle.transport.release();
  t.ok(handle, 'an idle connection is given');
  t.same(idle.stream.calls, ['read', 'write a', 'pause'], 'stopped reading, not closed: the handle lives on elsewhere');
  t.equal(idle.transport.write(Buffer.from('b')), false, 'quiet afterwards');
  idle.transport.close();
  idle.owner().onEnd(UV_EOF);
  t.same(idle.stream.calls, ['read', 'write a', 'pause']);
  t.same(idle.heard, [], 'the responder hears nothing more of it');
  const queued = raw();
  queued.stream.nextWrite = QUEUED;
  queued.transport.write(Buffer.from('a'));
  t.equal(queued.transport.release(), null, 'bytes still queued');
  const ended = raw();
  ended.transport.end(Buffer.alloc(0));
  t.equal(ended.transport.release(), null, 'our FIN sent');
  const closed = raw();
  closed.transport.close();
  t.equal(closed.transport.release(), null, 'closed');
  t.same([queued, ended, closed].map((one) => one.stream.calls.includes('pause')), [false, false, false]);
});

t.test('raw: a shutdown the kernel refuses (the peer is gone) closes; a broken read closes', async (t) => {
  const refused = raw();
  refused.stream.nextShutdown = ENOTCONN;
  refused.transport.end(Buffer.alloc(0));
  t.same(refused.stream.calls, ['read', 'shutdown', 'close'], 'an empty end writes nothing');
  const broken = raw();
  broken.owner().onEnd(ECONNRESET);
  t.same(broken.stream.calls, ['read', 'close']);
  t.same(broken.heard, ['end', 'closed']);
});

t.test('raw: closeAfter closes at once when the bytes went out, or when the last queued write completes', async (t) => {
  const now = raw();
  now.transport.closeAfter(Buffer.from('x'));
  t.same(now.stream.calls, ['read', 'write x', 'close']);
  const later = raw();
  later.stream.nextWrite = QUEUED;
  later.transport.closeAfter(Buffer.from('x'));
  t.notOk(later.stream.calls.includes('close'));
  later.owner().afterWrite(0);
  t.same(later.stream.calls.at(-1), 'close');
  t.same(later.heard, ['closed'], 'no written: it closes instead');
});

t.test('raw: close while bytes are queued is final: no written afterwards, no second close, no pause or resume', async (t) => {
  const { stream, transport, heard, owner } = raw();
  stream.nextWrite = QUEUED;
  transport.write(Buffer.from('x'));
  transport.close();
  transport.close();
  owner().afterWrite(0);
  transport.pause();
  transport.resume();
  t.same(stream.calls, ['read', 'write x', 'close']);
  t.same(heard, ['closed']);
  owner().onEnd(UV_EOF);
  t.same(heard, ['closed'], 'a FIN after the close is nobody\'s business');
});

t.test('raw under the responder: a client that half-closes after its request gets its answer and our FIN at once', async (t) => {
  const stream = new FakeStream();
  const clock = new FakeClock();
  const responder = new Responder({ slot: 0, headTimeoutMs: 1000, idleTimeoutMs: 60_000 }, { requestServed() {}, connectionClosed() {}, connectionGiven() {} }, clock.now);
  responder.serve(new RawTransport({} as ClientHandle, stream));
  stream.owner!.onBytes(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  stream.owner!.onEnd(UV_EOF);
  t.match(stream.calls, ['read', /^write HTTP\/1\.1 200 OK/, 'shutdown'], 'FIN right after the answer, the clock never moved');
});

/** A net.Socket as the socket transport uses it. */
class FakeSocket extends EventEmitter {
  readonly calls: string[] = [];
  accepts = true;
  write(bytes: Buffer): boolean {
    this.calls.push(`write ${bytes.toString('latin1')}`);
    return this.accepts;
  }
  end(bytes: Buffer): void {
    this.calls.push(`end ${bytes.toString('latin1')}`);
  }
  destroySoon(): void {
    this.calls.push('destroySoon');
  }
  pause(): void {
    this.calls.push('pause');
  }
  resume(): void {
    this.calls.push('resume');
  }
  destroy(): void {
    this.calls.push('destroy');
    this.emit('close');
  }
}

t.test('socket: each call is net.Socket\'s own, and its events reach the responder', async (t) => {
  const socket = new FakeSocket();
  const transport = new SocketTransport(socket as unknown as net.Socket);
  const heard = receiver();
  transport.start(heard);
  t.equal(transport.write(Buffer.from('a')), true);
  socket.accepts = false;
  t.equal(transport.write(Buffer.from('b')), false);
  transport.pause();
  transport.resume();
  transport.end(Buffer.from('c'));
  transport.closeAfter(Buffer.from('d'));
  t.same(socket.calls, ['write a', 'write b', 'pause', 'resume', 'end c', 'end d', 'destroySoon']);
  socket.emit('data', Buffer.from('x'));
  socket.emit('drain');
  socket.emit('end');
  socket.emit('error', new Error('reset'));
  transport.close();
  t.same(socket.calls.at(-1), 'destroy');
  socket.emit('close');
  t.same(heard.heard, ['bytes x', 'written', 'end', 'closed'], 'an error is no crash; close is heard once');
});

/** What release() looks at: net.Socket's state, and the handle inside it (lib/binding/channel.ts takes it). */
class ReleasableSocket extends FakeSocket {
  destroyed = false;
  writableEnded = false;
  writableLength = 0;
  readableLength = 0;
  readonly tcp = { readStopped: false, readStop(): void { this.readStopped = true; } };
  _handle: object | null = this.tcp;
}

t.test('socket: release takes the handle out of an idle socket, and the socket goes quiet', async (t) => {
  const socket = new ReleasableSocket();
  const transport = new SocketTransport(socket as unknown as net.Socket);
  const heard = receiver();
  transport.start(heard);
  t.equal(transport.release(), socket.tcp, 'the handle itself');
  t.ok(socket.tcp.readStopped, 'not reading: the next bytes wait in the kernel for the next owner');
  t.equal(socket._handle, null, 'the socket no longer owns it, so destroying it closes nothing');
  t.same(socket.calls, ['destroy']);
  t.same(heard.heard, [], 'the socket\'s close is not the connection\'s');
  for (const busy of ['destroyed', 'writableEnded', 'writableLength', 'readableLength'] as const) {
    const held = new ReleasableSocket();
    if (busy === 'destroyed' || busy === 'writableEnded') held[busy] = true;
    else held[busy] = 1;
    t.equal(new SocketTransport(held as unknown as net.Socket).release(), null, busy);
    t.equal(held._handle, held.tcp, `${busy}: the socket keeps its handle`);
  }
});
