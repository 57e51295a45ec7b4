import t from 'tap';
import { parseMasterMessage, parseWorkerArgv, parseWorkerMessage, workerArgv } from '../lib/ipc';

t.test('worker messages are checked before the master acts on them', async (t) => {
  t.same(parseWorkerMessage({ type: 'ready' }), { type: 'ready' });
  t.same(parseWorkerMessage({ type: 'accepted', seq: 1 }), { type: 'accepted' });
  t.same(parseWorkerMessage({ type: 'listen-failed', syscall: 'listen', errno: -98, port: 3001, extra: 1 }),
    { type: 'listen-failed', syscall: 'listen', errno: -98, port: 3001 });
  t.same(parseWorkerMessage({ type: 'count', connections: 3, requests: 4, acceptErrors: 0 }),
    { type: 'count', connections: 3, requests: 4, acceptErrors: 0 });
  t.same(parseWorkerMessage({ type: 'drained', connections: 3, requests: 4, acceptErrors: 1 }),
    { type: 'drained', connections: 3, requests: 4, acceptErrors: 1 });
  for (const bad of [null, 'count', 7, {}, { type: 'nope' }, { type: 'listen-failed', syscall: 1, errno: -98, port: 1 }, { type: 'listen-failed', syscall: 'listen', errno: -98 },
    { type: 'listen-failed', syscall: 'listen', errno: 'x', port: 1 }, { type: 'listen-failed', syscall: 'listen', errno: 0, port: 1 },
    { type: 'count', connections: -1, requests: 0, acceptErrors: 0 },
    { type: 'count', connections: 1.5, requests: 0, acceptErrors: 0 },
    { type: 'count', connections: 1, requests: '2', acceptErrors: 0 },
    { type: 'count', connections: 1, requests: 2 }]) {
    t.equal(parseWorkerMessage(bad), null, JSON.stringify(bad));
  }
});

t.test('master messages are checked before a worker acts on them', async (t) => {
  t.same(parseMasterMessage({ type: 'serve-shared', backlog: 511 }), { type: 'serve-shared', backlog: 511 });
  t.same(parseMasterMessage({ type: 'serve-client', ack: true, x: 1 }), { type: 'serve-client', ack: true });
  const serveNet = { type: 'serve-net', host: '127.0.0.1', port: 3001, backlog: 511 };
  t.same(parseMasterMessage({ ...serveNet, extra: 1 }), serveNet);
  t.same(parseMasterMessage({ type: 'drain' }), { type: 'drain' });
  t.same(parseMasterMessage({ type: 'serve-handed' }), { type: 'serve-handed' });
  for (const bad of [undefined, [], { type: 'serve-shared' }, { type: 'serve-shared', backlog: -1 }, { type: 'x' },
    { type: 'serve-client' }, { ...serveNet, host: 1 }, { ...serveNet, port: 70000 }, { ...serveNet, port: -1 },
    { ...serveNet, backlog: 'x' }, { type: 'stop' }, { type: 'report' }]) {
    t.equal(parseMasterMessage(bad), null, JSON.stringify(bad));
  }
});

t.test('worker settings round-trip through the command line', async (t) => {
  const settings = { index: 3, masterPid: 1234, headTimeoutMs: 10000, idleTimeoutMs: 5000, allowCrash: false };
  t.same(parseWorkerArgv(workerArgv(settings)), settings);
  t.same(parseWorkerArgv(workerArgv({ ...settings, allowCrash: true })), { ...settings, allowCrash: true });
  t.throws(() => parseWorkerArgv(['--index', 'x']), /bad --index/);
});
