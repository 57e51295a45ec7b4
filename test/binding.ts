/**
 * lib/binding.ts: the shims over Node internals, in-process where that is possible.
 */
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import {
  assertInternals, bindServerHandle, boundAddress, closeHandle, HandleError, listen, socketFromClientHandle,
} from '../lib/binding';
import { ROOT, RunningMaster, spawnAsUser } from './helpers/master';

t.test('every internal the kit uses exists in this Node', async (t) => {
  t.doesNotThrow(() => assertInternals(), process.version);
});

t.test('a Node without one of them fails at start-up, in one line that names the version', async (t) => {
  const child = spawnAsUser(process.execPath, ['--require', path.join(__dirname, 'helpers', 'remove-internal.js'),
    path.join(ROOT, 'master.js'), '--port', '0']);
  const master = new RunningMaster(child);
  t.teardown(() => child.kill('SIGKILL'));
  t.equal(await master.exited, 1);
  t.same(master.stderr, [`handoff: net._createServerHandle() is missing in Node ${process.version}; ` +
    'handoff was written against Node 20, 22 and 24, and lib/binding.ts is the one file to adapt']);
});

t.test('bind, listen, accept and wrap, on raw handles in one process', async (t) => {
  const handle = bindServerHandle('127.0.0.1', 0);
  t.teardown(() => closeHandle(handle));
  const { port, address, family } = boundAddress(handle);
  t.ok(port > 0, `the kernel picked port ${port}`);
  t.same({ address, family }, { address: '127.0.0.1', family: 'IPv4' });
  const accepted = new Promise<string>((resolve) => {
    listen(handle, 511, (error, clientHandle) => {
      t.equal(error, null);
      const socket = socketFromClientHandle(clientHandle!);
      socket.once('data', (data) => socket.end(`echo ${data}`));
    });
    const client = net.connect(port, '127.0.0.1', () => client.write('ping'));
    let reply = '';
    client.on('data', (data) => { reply += data; });
    client.on('end', () => resolve(reply));
  });
  t.equal(await accepted, 'echo ping');
});

t.test('a port in use is an EADDRINUSE HandleError from bind, not a random port from listen', async (t) => {
  const squatter = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  t.teardown(() => squatter.close());
  const { port } = squatter.address() as net.AddressInfo;
  t.throws(() => bindServerHandle('127.0.0.1', port), { name: 'HandleError', code: 'EADDRINUSE', syscall: 'bind', errno: -98 });
  t.equal(new HandleError('accept', -24).message, 'accept EMFILE');
});
