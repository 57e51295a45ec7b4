/**
 * lib/channel/ and the worker's command line: every message checked before anyone acts on it, the
 * control channel's numbering and answers (with a fake child process), the settings a worker is born
 * with.
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import t from 'tap';
import { ControlToMaster, ControlToWorker, type MasterEnd } from '../../lib/channel/control';
import { parseMoved, parseOrder, parseReport, type Report } from '../../lib/channel/messages';
import { parseWorkerArgv, workerArgv } from '../../lib/worker/settings';

t.test('reports are checked before the master acts on them: the fields of their type, nothing more', async (t) => {
  t.same(parseReport({ type: 'started', seq: 1, ack: 1 }), { type: 'started', seq: 1, ack: 1 });
  t.same(parseReport({ type: 'taken', seq: 9, ack: 4, extra: 1 }), { type: 'taken', seq: 9, ack: 4 });
  t.same(parseReport({ type: 'stopped', seq: 2, ack: 3 }), { type: 'stopped', seq: 2, ack: 3 });
  const failed = { type: 'failed', seq: 2, ack: 1, syscall: 'listen', errno: -98, host: '127.0.0.1', port: 3001 };
  t.same(parseReport({ ...failed, extra: 1 }), failed);
  const drainedCounts = { connections: 3, requests: 4, received: 1, given: 2, open: 5 };
  const counts = { ...drainedCounts, inProgress: 2, utilization: 0.25 };
  t.same(parseReport({ type: 'counted', seq: 5, ...counts }), { type: 'counted', seq: 5, ...counts });
  t.same(parseReport({ type: 'counted', seq: 5, ack: 3, ...counts }), { type: 'counted', seq: 5, ack: 3, ...counts }, 'answering a give');
  t.same(parseReport({ type: 'drained', seq: 6, ack: 2, ...drainedCounts, x: 1 }), { type: 'drained', seq: 6, ack: 2, ...drainedCounts });
  t.same(parseReport({ type: 'counted', seq: 5, ...counts, utilization: 1 }), { type: 'counted', seq: 5, ...counts, utilization: 1 }, 'a loop busy all the time');
  t.same(parseReport({ type: 'counted', seq: 5, ...counts, utilization: 0 }), { type: 'counted', seq: 5, ...counts, utilization: 0 }, 'a loop never busy');
  const moved = { bytes: 'R0VUIC8=', deadline: 1764590000000, headStartedAt: 0, movedAt: 1764589999000, from: 2 };
  t.same(parseReport({ type: 'given', seq: 7, ack: 4, moved }), { type: 'given', seq: 7, ack: 4, moved });
  const largest = { ...moved, bytes: 'A'.repeat(64 * 1024) };
  t.same(parseReport({ type: 'given', seq: 7, ack: 4, moved: largest }), { type: 'given', seq: 7, ack: 4, moved: largest }, '64 KiB of base64 is the most');
  t.notOk('ack' in parseReport({ type: 'counted', seq: 5, ...counts })!, 'an optional field left out stays out');
  for (const bad of [{ ...moved, bytes: 'not base64!' }, { ...moved, bytes: 'A'.repeat(70_000) }, { ...moved, deadline: 'soon' },
    { ...moved, deadline: Infinity }, { ...moved, headStartedAt: -1 }, { ...moved, from: 1.5 }, null, 'moved']) {
    t.equal(parseReport({ type: 'given', seq: 7, ack: 4, moved: bad }), null, `given with ${JSON.stringify(bad)?.slice(0, 40)}`);
  }
  t.equal(parseReport({ type: 'given', seq: 7, moved }), null, 'a given answers an order');
  for (const bad of [null, 'counted', 7, {}, { type: 'nope', seq: 1 }, { type: 'started', ack: 1 }, { type: 'started', seq: 0, ack: 1 },
    { type: 'started', seq: 1.5, ack: 1 }, { type: 'started', seq: 1 }, { type: 'taken', seq: 1, ack: -1 }, { type: 'toString', seq: 1 },
    { ...failed, syscall: 1 }, { ...failed, port: undefined }, { ...failed, errno: 'x' }, { ...failed, errno: 0 }, { ...failed, errno: -1.5 },
    { ...failed, host: 7 }, { ...failed, port: 65536 }, { type: 'counted', seq: 1, ...counts, connections: -1 },
    { type: 'counted', seq: 1, ...counts, connections: 1.5 }, { type: 'counted', seq: 1, ...counts, requests: '2' },
    { type: 'counted', seq: 1, connections: 1, requests: 1 }, { type: 'counted', seq: 1, ...counts, open: -1 },
    { type: 'counted', seq: 1, ...counts, ack: 0 }, { type: 'drained', seq: 1, requests: 1 },
    { type: 'counted', seq: 1, ...counts, utilization: 1.01 }, { type: 'counted', seq: 1, ...counts, utilization: -0.1 },
    { type: 'counted', seq: 1, ...counts, utilization: '0.5' }, { type: 'counted', seq: 1, ...counts, inProgress: -1 },
    { type: 'counted', seq: 1, ...drainedCounts }]) {
    t.equal(parseReport(bad), null, JSON.stringify(bad));
  }
});

t.test('orders are checked before a worker acts on them', async (t) => {
  t.same(parseOrder({ type: 'listen', seq: 1, backlog: 511 }), { type: 'listen', seq: 1, backlog: 511 });
  t.same(parseOrder({ type: 'listen', seq: 1, backlog: 0 }), { type: 'listen', seq: 1, backlog: 0 });
  t.same(parseOrder({ type: 'take', seq: 3, x: 1 }), { type: 'take', seq: 3 });
  t.same(parseOrder({ type: 'await-connections', seq: 1, fd: 4 }), { type: 'await-connections', seq: 1 });
  const listenNet = { type: 'listen-net', seq: 1, host: '127.0.0.1', port: 3001, backlog: 511 };
  t.same(parseOrder({ ...listenNet, extra: 1 }), listenNet);
  t.same(parseOrder({ ...listenNet, port: 65535 }), { ...listenNet, port: 65535 });
  t.same(parseOrder({ type: 'drain', seq: 4 }), { type: 'drain', seq: 4 });
  t.same(parseOrder({ type: 'finish', seq: 5, ack: 2 }), { type: 'finish', seq: 5, ack: 2 });
  t.same(parseOrder({ type: 'await-connections', seq: 1 }), { type: 'await-connections', seq: 1 });
  t.same(parseOrder({ type: 'retire', seq: 2 }), { type: 'retire', seq: 2 });
  t.same(parseOrder({ type: 'give', seq: 3, count: 12, to: 1 }), { type: 'give', seq: 3, count: 12, to: 1 });
  const moved = { bytes: '', deadline: 5, headStartedAt: 0, movedAt: 4, from: 0 };
  t.same(parseMoved({ ...moved, extra: 1 }), moved, 'what a moved connection carries, on the handle pipe');
  for (const bad of [{ ...moved, from: -1 }, { ...moved, bytes: 1 }, { ...moved, deadline: 'x' }, null]) t.equal(parseMoved(bad), null, JSON.stringify(bad));
  t.equal(parseOrder({ type: 'give', seq: 3, count: -1, to: 1 }), null);
  for (const bad of [undefined, [], { type: 'listen', seq: 1 }, { type: 'listen', seq: 1, backlog: -1 }, { type: 'x', seq: 1 },
    { type: 'take' }, { type: 'finish', seq: 5 }, { type: 'finish', seq: 5, ack: 0 }, { ...listenNet, host: 1 }, { ...listenNet, port: 65536 },
    { ...listenNet, port: -1 }, { ...listenNet, backlog: 'x' }, { type: 'started', seq: 1, ack: 1 }, { type: 'hasOwnProperty', seq: 1 }]) {
    t.equal(parseOrder(bad), null, JSON.stringify(bad));
  }
});

/** A child process as the control channel sees it: `send` records, 'message' delivers reports. */
class FakeChild extends EventEmitter {
  connected = true;
  readonly sent: Array<{ message: Record<string, unknown>; handle: unknown }> = [];
  failing = false;
  send(message: Record<string, unknown>, handleOrCallback: unknown, callback?: (error: Error | null) => void): boolean {
    const handle = typeof handleOrCallback === 'function' ? undefined : handleOrCallback;
    const done = (typeof handleOrCallback === 'function' ? handleOrCallback : callback) as (error: Error | null) => void;
    this.sent.push({ message, handle });
    done(this.failing ? new Error('channel closed') : null);
    return true;
  }
  disconnects = 0;
  disconnect(): void {
    // child_process throws ERR_IPC_DISCONNECTED on a second disconnect() (lib/internal/child_process.js).
    if (!this.connected) throw new Error('ERR_IPC_DISCONNECTED');
    this.connected = false;
    this.disconnects++;
  }
  report(message: object, handle?: unknown): void {
    this.emit('message', message, handle);
  }
}

t.test('the control channel numbers each order, and hands each answer to whoever asked, once', async (t) => {
  const child = new FakeChild();
  const reports: Report['type'][] = [];
  const channel = new ControlToWorker(child as unknown as ChildProcess, (report) => reports.push(report.type));
  const answers: string[] = [];
  t.equal(channel.send({ type: 'await-connections' }, null, (report) => answers.push(`${report.type} ${report.seq}`)), 1);
  t.equal(channel.send({ type: 'take' }, null), 2);
  t.equal(channel.send({ type: 'take' }, null, (report) => answers.push(`${report.type} ${report.seq}`)), 3);
  t.same(child.sent.map(({ message }) => message), [{ type: 'await-connections', seq: 1 }, { type: 'take', seq: 2 }, { type: 'take', seq: 3 }]);
  child.report({ type: 'taken', seq: 1, ack: 3 });
  child.report({ type: 'started', seq: 2, ack: 1 });
  child.report({ type: 'taken', seq: 3, ack: 3 });
  child.report({ type: 'taken', seq: 4, ack: 2 });
  child.report({ type: 'nonsense', seq: 5 });
  t.same(answers, ['taken 1', 'started 2'], 'each answer goes to its order\'s sender, by the seq it names, once');
  t.same(reports, ['taken', 'started', 'taken', 'taken'], 'every well-formed report goes to the supervisor too');
  t.equal(channel.connected, true);
  channel.disconnect();
  t.equal(channel.connected, false);
  channel.disconnect();
  t.equal(child.disconnects, 1, 'a second disconnect is a no-op, not a throw');
});

t.test('the worker\'s end: well-formed orders in, numbered reports out, answers naming their order', async (t) => {
  const master = new FakeChild();
  const orders: string[] = [];
  const channel = new ControlToMaster((order, handle) => orders.push(`${order.type} ${order.seq} ${String(handle)}`), master as unknown as MasterEnd);
  master.report({ type: 'await-connections', seq: 1 }, 'pipe');
  master.report({ type: 'give', seq: 2, count: 1 });
  master.report({ type: 'take', seq: 3 });
  t.same(orders, ['await-connections 1 pipe', 'take 3 undefined'], 'a malformed order (give without `to`) is dropped');
  const sent: Array<Error | null> = [];
  channel.answer({ type: 'take', seq: 3 }, { type: 'taken' });
  channel.tell({ type: 'counted', connections: 1, requests: 2, received: 0, given: 0, open: 1, inProgress: 0, utilization: 0.5 }, null, (error) => sent.push(error));
  t.equal(channel.nextSeq(), 3, 'reports and pipe messages share one count');
  t.same(master.sent.map(({ message }) => message), [
    { type: 'taken', ack: 3, seq: 1 },
    { type: 'counted', connections: 1, requests: 2, received: 0, given: 0, open: 1, inProgress: 0, utilization: 0.5, seq: 2 },
  ]);
  t.same(sent, [null]);
  master.connected = false;
  channel.tell({ type: 'stopped', ack: 9 }, null, (error) => sent.push(error));
  t.equal(master.sent.length, 2, 'nothing sent on a closed channel');
  t.equal(sent[1]?.message, 'channel closed', 'and the sender hears why');
});

t.test('an order that cannot be written: its sender hears it fail, and never hears an answer', async (t) => {
  const child = new FakeChild();
  const channel = new ControlToWorker(child as unknown as ChildProcess, () => {});
  child.failing = true;
  const heard: string[] = [];
  channel.send({ type: 'take' }, null, () => heard.push('answered'), (error) => heard.push(error.message));
  child.report({ type: 'taken', seq: 1, ack: 1 });
  t.same(heard, ['channel closed']);
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
  t.throws(() => parseWorkerArgv(replace('--transport', 'pigeon')), { message: "worker: --transport must be one of raw, socket, not 'pigeon'" });
  const withoutSlot = argv.filter((arg, at) => arg !== '--slot' && argv[at - 1] !== '--slot');
  t.throws(() => parseWorkerArgv(withoutSlot), { message: 'worker: bad --slot on the command line' }, 'a missing flag');
});
