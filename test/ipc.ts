import t from 'tap';
import { parseMasterMessage, parseWorkerArgv, parseWorkerMessage, workerArgv } from '../lib/ipc';

t.test('worker messages are checked before the master acts on them', async (t) => {
  t.same(parseWorkerMessage({ type: 'ready' }), { type: 'ready' });
  t.same(parseWorkerMessage({ type: 'accepted', seq: 1 }), { type: 'accepted' });
  t.same(parseWorkerMessage({ type: 'stopped-accepting' }), { type: 'stopped-accepting' });
  const failed = { type: 'listen-failed', syscall: 'listen', errno: -98, host: '127.0.0.1', port: 3001 };
  t.same(parseWorkerMessage({ ...failed, extra: 1 }), failed);
  t.same(parseWorkerMessage({ type: 'count', connections: 3, requests: 4 }), { type: 'count', connections: 3, requests: 4 });
  t.same(parseWorkerMessage({ type: 'drained', connections: 3, requests: 4, x: 1 }), { type: 'drained', connections: 3, requests: 4 });
  for (const bad of [null, 'count', 7, {}, { type: 'nope' }, { ...failed, syscall: 1 }, { ...failed, port: undefined },
    { ...failed, errno: 'x' }, { ...failed, errno: 0 }, { ...failed, errno: -1.5 }, { ...failed, host: 7 }, { ...failed, port: 65536 },
    { type: 'count', connections: -1, requests: 0 }, { type: 'count', connections: 1.5, requests: 0 },
    { type: 'count', connections: 1, requests: '2' }, { type: 'count', connections: 1 }, { type: 'drained', requests: 1 }]) {
    t.equal(parseWorkerMessage(bad), null, JSON.stringify(bad));
  }
});

t.test('master messages are checked before a worker acts on them', async (t) => {
  t.same(parseMasterMessage({ type: 'listen', backlog: 511 }), { type: 'listen', backlog: 511 });
  t.same(parseMasterMessage({ type: 'listen', backlog: 0 }), { type: 'listen', backlog: 0 });
  t.same(parseMasterMessage({ type: 'connection', x: 1 }), { type: 'connection' });
  t.same(parseMasterMessage({ type: 'open-handoff-pipe', fd: 4 }), { type: 'open-handoff-pipe', fd: 4 });
  t.same(parseMasterMessage({ type: 'open-handoff-pipe', fd: 3 }), { type: 'open-handoff-pipe', fd: 3 });
  const listenNet = { type: 'listen-net', host: '127.0.0.1', port: 3001, backlog: 511 };
  t.same(parseMasterMessage({ ...listenNet, extra: 1 }), listenNet);
  t.same(parseMasterMessage({ ...listenNet, port: 65535 }), { ...listenNet, port: 65535 });
  t.same(parseMasterMessage({ type: 'drain' }), { type: 'drain' });
  t.same(parseMasterMessage({ type: 'nothing-more' }), { type: 'nothing-more' });
  t.same(parseMasterMessage({ type: 'await-connections' }), { type: 'await-connections' });
  for (const bad of [undefined, [], { type: 'listen' }, { type: 'listen', backlog: -1 }, { type: 'x' },
    { type: 'open-handoff-pipe' }, { type: 'open-handoff-pipe', fd: 2 }, { type: 'open-handoff-pipe', fd: 'x' },
    { ...listenNet, host: 1 }, { ...listenNet, port: 65536 }, { ...listenNet, port: -1 }, { ...listenNet, backlog: 'x' },
    { type: 'stop' }, { type: 'report' }]) {
    t.equal(parseMasterMessage(bad), null, JSON.stringify(bad));
  }
});

t.test('worker settings round-trip through the command line', async (t) => {
  const settings = { slot: 3, masterPid: 1234, headTimeoutMs: 10000, idleTimeoutMs: 5000, transport: 'raw' as const, allowCrash: false };
  t.same(parseWorkerArgv(workerArgv(settings)), settings);
  t.same(parseWorkerArgv(workerArgv({ ...settings, transport: 'socket', allowCrash: true })), { ...settings, transport: 'socket', allowCrash: true });
  const argv = workerArgv(settings);
  const replace = (flag: string, value: string) => argv.map((arg, at) => (argv[at - 1] === flag ? value : arg));
  t.throws(() => parseWorkerArgv(replace('--slot', 'x')), { message: 'worker: bad --slot on the command line' });
  t.throws(() => parseWorkerArgv(replace('--master-pid', '12a')), { message: 'worker: bad --master-pid on the command line' });
  t.throws(() => parseWorkerArgv(replace('--head-timeout', '1.5')), { message: 'worker: bad --head-timeout on the command line' });
  t.throws(() => parseWorkerArgv(replace('--idle-timeout', '')), { message: 'worker: bad --idle-timeout on the command line' });
  t.throws(() => parseWorkerArgv(replace('--transport', 'pigeon')), { message: 'worker: bad --transport on the command line' });
  const withoutSlot = argv.filter((arg, at) => arg !== '--slot' && argv[at - 1] !== '--slot');
  t.throws(() => parseWorkerArgv(withoutSlot), { message: 'worker: bad --slot on the command line' }, 'a missing flag');
});
