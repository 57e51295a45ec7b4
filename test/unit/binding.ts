/**
 * lib/binding/: the shims over Node internals, on real handles in the test process. The one-line failure
 * of a Node that lacks one of them is a process test (test/process/failures.ts).
 */
import net from 'node:net';
import t, { type Test } from 'tap';
import { socketFromClientHandle } from '../../lib/binding/channel';
import { assertInternals, type ClientHandle } from '../../lib/binding/internals';
import { QUEUED, queuedBytes, shutdown, startReading, UV_EOF, writeBytes, WRITTEN, type StreamOwner } from '../../lib/binding/stream';
import { bindServerHandle, boundAddress, closeHandle, listen } from '../../lib/binding/tcp';
import { HandleError } from '../../lib/errors';
import { EVENT_MS, within } from '../helpers/wait';

t.test('every internal the kit uses exists in this Node', async (t) => {
  t.doesNotThrow(() => assertInternals(), process.version);
});

/** A listening raw handle on 127.0.0.1 and a promise of the first client handle it accepts. */
function rawServer(t: Test) {
  const handle = bindServerHandle('127.0.0.1', 0);
  t.teardown(() => closeHandle(handle));
  const accepted = new Promise<ClientHandle>((resolve) => listen(handle, 511, resolve));
  return { port: boundAddress(handle).port, accepted };
}

t.test('bind, listen, accept and wrap in a net.Socket, on raw handles in one process', async (t) => {
  const { port, accepted } = rawServer(t);
  t.ok(port > 0, `the kernel picked port ${port}`);
  const client = net.connect(port, '127.0.0.1', () => client.write('ping'));
  const socket = socketFromClientHandle(await accepted);
  socket.once('data', (data) => socket.end(`echo ${data}`));
  let reply = '';
  client.on('data', (data) => { reply += data; });
  await within(new Promise((resolve) => client.on('end', resolve)), EVENT_MS, 'the echo');
  t.equal(reply, 'echo ping');
});

t.test('the raw stream: read into the shared buffer, write, shutdown, EOF, without net.Socket', async (t) => {
  const { port, accepted } = rawServer(t);
  const client = net.connect(port, '127.0.0.1', () => client.end('hello'));
  const clientHandle = await accepted;
  const events: string[] = [];
  const done = new Promise<void>((resolve) => {
    const owner: StreamOwner = {
      onBytes(bytes) {
        events.push(`bytes ${bytes}`);
        t.equal(writeBytes(clientHandle, Buffer.from(`got ${bytes}`)), WRITTEN, 'a small write goes straight to the kernel');
        t.equal(queuedBytes(clientHandle), 0);
      },
      onEnd(errno) {
        events.push(errno === UV_EOF ? 'EOF' : `error ${errno}`);
        t.equal(shutdown(clientHandle), 0);
      },
      afterWrite: (status) => events.push(`afterWrite ${status}`),
      afterShutdown(status) {
        events.push(`afterShutdown ${status}`);
        closeHandle(clientHandle);
        resolve();
      },
    };
    startReading(clientHandle, owner);
  });
  let reply = '';
  client.on('data', (data) => { reply += data; });
  const clientEnded = new Promise((resolve) => client.on('end', resolve));
  await within(done, EVENT_MS, 'the raw stream to read, write and shut down');
  await within(clientEnded, EVENT_MS, 'the client to read our FIN');
  t.same(events, ['bytes hello', 'EOF', 'afterShutdown 0']);
  t.equal(reply, 'got hello');
});

t.test('a write the kernel cannot take all of is QUEUED, and its owner hears when it has gone', async (t) => {
  const { port, accepted } = rawServer(t);
  const client = net.connect(port, '127.0.0.1');
  client.pause();
  const clientHandle = await accepted;
  const written = new Promise<number>((resolve) => startReading(clientHandle, {
    onBytes: () => {}, onEnd: () => {}, afterShutdown: () => {}, afterWrite: resolve,
  }));
  // Far more than loopback's socket buffers hold while the client does not read.
  const big = Buffer.alloc(16 * 1024 * 1024, 'x');
  t.equal(writeBytes(clientHandle, big), QUEUED);
  t.ok(queuedBytes(clientHandle) > 0, `${queuedBytes(clientHandle)} bytes wait in libuv`);
  let received = 0;
  client.on('data', (chunk: Buffer) => { received += chunk.length; });
  client.resume();
  t.equal(await within(written, EVENT_MS, 'the queued write to complete'), 0);
  t.equal(queuedBytes(clientHandle), 0);
  closeHandle(clientHandle);
  await within(new Promise((resolve) => client.on('close', resolve)), EVENT_MS, 'the client to see the close');
  t.equal(received, big.length);
});

t.test('a port in use is an EADDRINUSE HandleError from bind, not a random port from listen', async (t) => {
  const squatter = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  t.teardown(() => squatter.close());
  const { port } = squatter.address() as net.AddressInfo;
  t.throws(() => bindServerHandle('127.0.0.1', port), {
    name: 'HandleError', code: 'EADDRINUSE', syscall: 'bind', errno: -98, message: `port ${port} on 127.0.0.1 is already in use`,
  });
  t.equal(new HandleError('accept', -24).message, 'accept EMFILE');
  t.equal(new HandleError('listen', -13, { host: '0.0.0.0', port: 80 }).message, 'port 80 on 0.0.0.0 needs privileges (ports below 1024 do)');
  t.equal(new HandleError('bind', -99, { host: '10.9.9.9', port: 80 }).message, '10.9.9.9 is not an address of this machine');
  t.equal(new HandleError('listen', -22, { host: '127.0.0.1', port: 8, what: 'dashboard port' }).message,
    'cannot listen on dashboard port 8 on 127.0.0.1: EINVAL');
});
