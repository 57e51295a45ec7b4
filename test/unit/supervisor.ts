/**
 * The supervisor's rules (lib/supervisor/), with fake worker processes (test/helpers/fake-child.ts): start,
 * replace a dead worker at once or after the crash-loop delay, the drain handshake and its deadline, the
 * order a rolling restart promises (each replacement serves before its predecessor drains; a failed
 * replacement keeps the old one), stop with a worker still draining, kill everything. The restart
 * policy itself is a pure function, in restart-policy.ts beside this.
 */
import t from 'tap';
import { HandleError, WorkersNotReadyError } from '../../lib/errors';
import type { MasterEvent } from '../../lib/events';
import type { Model, WorkerLink } from '../../lib/models/model';
import { FIRST_RESTART_DELAY_MS, restartDelay } from '../../lib/supervisor/restart-policy';
import { Supervisor } from '../../lib/supervisor/supervisor';
import { workerArgv } from '../../lib/worker/settings';
import { FakeSpawner, type Script } from '../helpers/fake-child';
import { EVENT_MS, until } from '../helpers/wait';

/** A model that tells each worker to await connections, and records who joined and left. */
class RecordingModel implements Model {
  readonly fork = 'child_process';
  readonly joined: number[] = [];
  readonly left: number[] = [];
  start(): void {}
  address() {
    return { host: '127.0.0.1', port: 1 };
  }
  add(worker: WorkerLink): void {
    this.joined.push(worker.pid);
    worker.send({ type: 'await-connections' }, null);
  }
  remove(worker: WorkerLink): void {
    this.left.push(worker.pid);
  }
  stopListening(): void {}
  close(): void {}
}

function setup(workers: number, script?: (slot: number, nth: number) => Script, drainTimeoutMs = 5000, restartCloses = false) {
  const spawner = new FakeSpawner(script);
  const model = new RecordingModel();
  const events: MasterEvent[] = [];
  const supervisor = new Supervisor({
    workers, workerPath: 'worker.js', model, drainTimeoutMs, spawner, emit: (event) => void events.push(event), restartCloses,
    workerArgv: (slot) => workerArgv({ slot, masterPid: 1, headTimeoutMs: 1, idleTimeoutMs: 1, transport: 'raw', allowCrash: false }),
  });
  const of = <T extends MasterEvent['type']>(type: T) => events.filter((event): event is Extract<MasterEvent, { type: T }> => event.type === type);
  return { spawner, model, events, supervisor, of };
}

t.test('start forks every slot and resolves once each worker has said started; the model heard of each', async (t) => {
  const { supervisor, spawner, model, events } = setup(3);
  await supervisor.start();
  t.same(spawner.children.map((child) => child.slot), [0, 1, 2]);
  t.same(supervisor.pids(), spawner.children.map((child) => child.pid));
  t.same(model.joined, supervisor.pids());
  t.same(events, [], 'no worker-ready events for the first start: the listening event says it all');
  t.same(spawner.children[0]!.orders, [{ type: 'await-connections', seq: 1 }]);
});

t.test('start waits for every slot, however late its fork completes', async (t) => {
  const { supervisor, spawner } = setup(2);
  const spawn = spawner.spawn.bind(spawner);
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  // Slot 0 late: the slots are then [hole, worker 1], and every() would skip the hole.
  spawner.spawn = (argv) => (argv[argv.indexOf('--slot') + 1] === '0' ? held.then(() => spawn(argv)) : spawn(argv));
  let started = false;
  const starting = supervisor.start().then(() => { started = true; });
  await until(() => spawner.timeline.some((line) => line.endsWith('says started')), EVENT_MS, 'slot 1 to say started');
  t.equal(started, false, 'slot 0 is not even forked yet');
  release();
  await starting;
  t.equal(supervisor.pids().length, 2);
  await supervisor.killAll();
});

t.test('start gives up on workers that never say started, and says so', async (t) => {
  const spawner = new FakeSpawner(() => ({ start: 'never' }));
  const supervisor = new Supervisor({
    workers: 1, workerPath: 'worker.js', model: new RecordingModel(), drainTimeoutMs: 100, spawner, emit: () => {}, startTimeoutMs: 20,
    workerArgv: (slot) => workerArgv({ slot, masterPid: 1, headTimeoutMs: 1, idleTimeoutMs: 1, transport: 'raw', allowCrash: false }),
  });
  await t.rejects(supervisor.start(), { constructor: WorkersNotReadyError, message: 'workers not ready within 20 ms (see their messages above)' });
  await supervisor.killAll();
});

t.test('start fails with the first worker that could not listen, as a HandleError', async (t) => {
  const { supervisor } = setup(2, (slot) => ({ start: slot === 1 ? 'failed' : 'started' }));
  await t.rejects(supervisor.start(), { constructor: HandleError, code: 'EACCES', message: 'port 80 on 127.0.0.1 needs privileges (ports below 1024 do)' });
  await supervisor.killAll();
});

t.test('a worker killed from outside is replaced at once, in its slot; its counts stay in the report', async (t) => {
  const { supervisor, spawner, model, of } = setup(2);
  await supervisor.start();
  const victim = spawner.in(1)[0]!;
  victim.report({ type: 'counted', connections: 4, requests: 9, received: 1, given: 2, open: 3, inProgress: 2, utilization: 0.75 });
  victim.pipe.inFlight = 5;
  await until(() => supervisor.counts()[1]!.load.utilization === 0.75, EVENT_MS, 'the report to arrive');
  t.same(supervisor.counts()[1]!.load, { inFlight: 5, inProgress: 2, utilization: 0.75 }, 'its load, as it said and as its pipe counts');
  victim.kill('SIGKILL');
  await until(() => of('worker-ready').length === 1, EVENT_MS, 'the replacement to be ready');
  t.match(of('worker-exited'), [{ slot: 1, pid: victim.pid, signal: 'SIGKILL', restartInMs: 0 }]);
  const replacement = spawner.in(1)[1]!;
  t.match(of('worker-ready'), [{ slot: 1, pid: replacement.pid }]);
  t.same(model.left, [victim.pid]);
  t.same(supervisor.pids(), [spawner.in(0)[0]!.pid, replacement.pid]);
  t.same(supervisor.counts().map(({ slot, pid, replaced, connections, given, open }) => ({ slot, pid, replaced, connections, given, open })), [
    { slot: 0, pid: spawner.in(0)[0]!.pid, replaced: false, connections: 0, given: 0, open: 0 },
    { slot: 1, pid: victim.pid, replaced: true, connections: 4, given: 2, open: 0 },
    { slot: 1, pid: replacement.pid, replaced: false, connections: 0, given: 0, open: 0 },
  ], 'a dead worker holds nothing open, whatever it last said');
  t.same(supervisor.counts()[1]!.load, { inFlight: 0, inProgress: 0, utilization: 0 }, 'nor has it any load');
  await supervisor.killAll();
});

t.test('a worker that keeps dying young by itself is replaced after the crash-loop delay', async (t) => {
  const { supervisor, spawner, of } = setup(1);
  await supervisor.start();
  spawner.in(0)[0]!.exit(1, null);
  await until(() => spawner.in(0).length === 2, EVENT_MS, 'the first replacement');
  const [first] = of('worker-exited');
  t.equal(first!.restartInMs, restartDelay(0, first!.livedMs, null), 'the policy, applied to how long it lived');
  t.equal(first!.restartInMs, FIRST_RESTART_DELAY_MS, 'it lived a few ms: a crash loop');
  await until(() => of('worker-ready').length === 1, EVENT_MS, 'the first replacement to be ready');
  spawner.in(0)[1]!.exit(1, null);
  await until(() => of('worker-exited').length === 2, EVENT_MS, 'the second crash');
  t.equal(of('worker-exited')[1]!.restartInMs, 2 * FIRST_RESTART_DELAY_MS, 'twice as long the second time');
  await supervisor.killAll();
  t.ok(spawner.closed);
});

t.test('drain is a handshake: drain, stopped, finish naming it, drained, then the channel closes', async (t) => {
  const { supervisor, spawner, of } = setup(1);
  await supervisor.start();
  const child = spawner.in(0)[0]!;
  await supervisor.drain(supervisor.current(0));
  t.same(spawner.timeline.filter((line) => line.includes(String(child.pid))).slice(3), [
    `drain → 0/${child.pid}`, `0/${child.pid} says stopped`, `finish → 0/${child.pid}`, `0/${child.pid} says drained`, `0/${child.pid} exits`,
  ]);
  t.same(child.orders.at(-1), { type: 'finish', seq: 3, ack: 2 }, '`finish` answers `stopped` (its seq 2)');
  t.match(supervisor.counts()[0], { connections: 3, requests: 5 }, 'the final counts came with `drained`');
  t.same(of('worker-exited').map((event) => event.restartInMs), [null], 'a worker told to drain is not replaced');
});

t.test('a second drain of the same worker waits for the first; the worker is told once', async (t) => {
  const { supervisor, spawner } = setup(1);
  await supervisor.start();
  const worker = supervisor.current(0);
  await Promise.all([supervisor.drain(worker), supervisor.drain(worker)]);
  t.same(spawner.in(0)[0]!.orders.map((order) => order.type), ['await-connections', 'drain', 'finish']);
});

t.test('a worker that dies before it was ever ready is replaced, and start goes on with the replacement', async (t) => {
  const { supervisor, spawner, of } = setup(1, (_slot, nth) => (nth === 0 ? { start: 'never' } : {}));
  const started = supervisor.start();
  await until(() => spawner.in(0).length === 1, EVENT_MS, 'the first worker to be forked');
  spawner.in(0)[0]!.exit(1, null);
  await started;
  t.same(of('worker-exited').map((event) => event.restartInMs !== null), [true]);
  t.equal(supervisor.current(0).pid, spawner.in(0)[1]!.pid);
  await supervisor.killAll();
});

t.test('a fork that fails: start rejects with its error; later, a warning, and the slot waits', async (t) => {
  const { supervisor, spawner, of } = setup(2);
  const spawn = spawner.spawn.bind(spawner);
  spawner.spawn = (argv) => (argv[argv.indexOf('--slot') + 1] === '1' ? Promise.reject(new Error('EAGAIN: fork')) : spawn(argv));
  await t.rejects(supervisor.start(), { message: 'EAGAIN: fork' });
  const again = setup(1);
  await again.supervisor.start();
  const fork = again.spawner.spawn.bind(again.spawner);
  again.spawner.spawn = () => Promise.reject(new Error('EAGAIN: fork'));
  again.spawner.in(0)[0]!.kill('SIGKILL');
  await until(() => again.of('warning').length === 1, EVENT_MS, 'the warning');
  t.same(again.of('warning'), [{ type: 'warning', message: 'could not fork a worker: EAGAIN: fork' }]);
  again.spawner.spawn = fork;
  await again.supervisor.killAll();
  await supervisor.killAll();
  t.same(of('warning'), []);
});

t.test('stop while a worker is being forked: the new one never joins, and no replacement is forked after a stop', async (t) => {
  const { supervisor, spawner, events } = setup(2);
  await supervisor.start();
  const spawn = spawner.spawn.bind(spawner);
  let stopped: Promise<unknown> | null = null;
  spawner.spawn = (argv) => {
    const forked = spawn(argv);
    stopped = supervisor.stop();
    return forked;
  };
  spawner.in(1)[0]!.kill('SIGKILL');
  await until(() => stopped !== null, EVENT_MS, 'the replacement to be forked');
  await stopped;
  const late = spawner.in(1)[1]!;
  t.equal(late.signalCode, 'SIGKILL', 'forked during the stop: killed at once');
  t.notOk(supervisor.pids().includes(late.pid), 'never the slot\'s worker');
  t.notOk(events.some((event) => event.type === 'worker-ready'));
});

t.test('a worker that dies just before a stop is not replaced after it', async (t) => {
  const { supervisor, spawner, of } = setup(1);
  await supervisor.start();
  let stopped: Promise<unknown> | null = null;
  const emit = supervisor.emit.bind(supervisor);
  supervisor.emit = (event) => {
    emit(event);
    if (event.type === 'worker-exited') stopped = supervisor.stop();
  };
  spawner.in(0)[0]!.kill('SIGKILL');
  await until(() => stopped !== null, EVENT_MS, 'the worker\'s exit');
  await stopped;
  t.equal(of('worker-exited')[0]!.restartInMs, 0, 'its replacement was due at once');
  // The replacement's timer (0 ms, set before this one) has fired by the time this one does.
  await new Promise((resolve) => setTimeout(resolve, 0));
  t.equal(spawner.in(0).length, 1, 'and never forked: the master is stopping');
});

t.test('a worker that does not drain in time is killed at the deadline, and says so', async (t) => {
  const { supervisor, spawner, of } = setup(1, () => ({ drain: 'hang' }), 50);
  await supervisor.start();
  await supervisor.stop();
  t.match(of('drain-timeout'), [{ slot: 0, drainTimeoutMs: 50 }]);
  t.equal(spawner.in(0)[0]!.signalCode, 'SIGKILL');
});

t.test('a rolling restart: in every slot the replacement serves before its predecessor is told to drain', async (t) => {
  const { supervisor, spawner, of } = setup(3);
  await supervisor.start();
  t.equal(await supervisor.restart(), true);
  for (let slot = 0; slot < 3; slot++) {
    const [old, replacement] = spawner.in(slot);
    const at = (line: string) => spawner.timeline.indexOf(line);
    t.ok(at(`${slot}/${replacement!.pid} says started`) < at(`retire → ${slot}/${old!.pid}`), `slot ${slot}: serving before retiring`);
    t.ok(at(`${slot}/${old!.pid} exits`) < at(`fork ${slot + 1}/${spawner.in(slot + 1)[1]?.pid}`) || slot === 2,
      `slot ${slot}: the old worker is gone before the next slot's replacement is forked`);
  }
  t.match(of('restart-step').map((step) => step.slot), [0, 1, 2]);
  t.same(of('retiring').map(({ slot, pid, to }) => [slot, pid, to]),
    [0, 1, 2].map((slot) => [slot, spawner.in(slot)[0]!.pid, spawner.in(slot)[1]!.pid]), 'each old worker hands its connections to its successor');
  t.same(of('restart-done')[0]!.pids, supervisor.pids());
  t.same(of('worker-exited').map((event) => event.restartInMs), [null, null, null], 'a drained worker is not replaced again');
  t.same(of('worker-ready'), [], 'replacements in a restart are announced by the restart steps');
});

t.test('--restart-closes: the old workers drain instead of retiring', async (t) => {
  const { supervisor, spawner, of } = setup(2, undefined, 5000, true);
  await supervisor.start();
  t.equal(await supervisor.restart(), true);
  t.same(spawner.children.slice(0, 2).map((child) => child.orders.at(-2)!.type), ['drain', 'drain']);
  t.notOk(spawner.children.some((child) => child.orders.some((order) => order.type === 'retire')));
  t.same(of('retiring'), [], 'nothing is handed on');
});

t.test('one rolling restart at a time; the next may follow once it is done', async (t) => {
  const { supervisor, spawner } = setup(1);
  await supervisor.start();
  const first = supervisor.restart();
  t.equal(await supervisor.restart(), false, 'refused while one runs');
  t.equal(await first, true);
  t.equal(await supervisor.restart(), true, 'and the next one runs');
  t.equal(spawner.in(0).length, 3);
  await supervisor.killAll();
});

t.test('a replacement that dies before it serves ends the restart; the old worker keeps its slot, undrained', async (t) => {
  const { supervisor, spawner, of } = setup(2, (slot, nth) => (slot === 1 && nth === 1 ? { start: 'never' } : {}));
  await supervisor.start();
  const restarted = supervisor.restart();
  await until(() => spawner.in(1).length === 2, EVENT_MS, 'slot 1\'s replacement to be forked');
  const [old, doomed] = spawner.in(1);
  doomed!.exit(1, null);
  t.equal(await restarted, false);
  t.match(of('restart-abandoned'), [{ slot: 1, pid: doomed!.pid }]);
  t.equal(supervisor.current(1).pid, old!.pid, 'the old worker holds the slot');
  t.notOk(old!.orders.some((order) => order.type === 'retire' || order.type === 'drain'), 'and was never told to go');
  t.same(of('worker-exited').filter((event) => event.pid === doomed!.pid).map((event) => event.restartInMs), [null], 'the failed one is not replaced');
  await supervisor.killAll();
});

t.test('stop drains every worker, an old one still draining from a restart too, and closes the spawner', async (t) => {
  const { supervisor, spawner } = setup(1, (_slot, nth) => (nth === 0 ? { drain: 'hang' } : {}), 200);
  await supervisor.start();
  const restarted = supervisor.restart();
  await until(() => spawner.in(0).length === 2 && spawner.in(0)[0]!.orders.some((order) => order.type === 'finish'), EVENT_MS,
    'the old worker to be draining');
  await supervisor.stop();
  t.equal(await restarted, false, 'the restart ends with the stop');
  t.ok(spawner.children.every((child) => child.exitCode !== null || child.signalCode !== null), 'no worker left');
  t.ok(spawner.closed);
});

t.test('a connection a worker gives back goes, through the mover, to a worker that takes connections', async (t) => {
  const { supervisor, spawner, of } = setup(2);
  await supervisor.start();
  const [giver, other] = [spawner.in(0)[0]!, spawner.in(1)[0]!];
  const moved = { bytes: '', deadline: 1, headStartedAt: 0, movedAt: 1, from: 0 };
  // A TCP handle as asClientHandle (lib/binding/channel.ts) recognises one.
  const tcp = { listen() {}, getsockname() {}, close() {} };
  giver.report({ type: 'given', ack: 1, moved }, tcp);
  giver.report({ type: 'given', ack: 1, moved }, { not: 'a handle' });
  t.same(other.pipe.sent.length, 1, 'its own slot is the giver\'s: to the other worker, once; what is no handle is dropped');
  t.same(giver.pipe.sent.length, 0);
  t.same(of('move-failed'), []);
  await supervisor.killAll();
});

t.test('a given connection goes to no worker that is draining; with nobody to take it, it is closed and said so', async (t) => {
  const { supervisor, spawner, of } = setup(3, (slot) => (slot === 1 ? { drain: 'hang' } : {}), 100);
  await supervisor.start();
  const draining = supervisor.drain(supervisor.current(1));
  const moved = { bytes: '', deadline: 1, headStartedAt: 0, movedAt: 1, from: 0 };
  const tcp = () => ({ closed: false, listen() {}, getsockname() {}, close() { this.closed = true; } });
  spawner.in(0)[0]!.report({ type: 'given', ack: 1, moved }, tcp());
  t.same([1, 2].map((slot) => spawner.in(slot)[0]!.pipe.sent.length), [0, 1], 'not to slot 1, which drains');
  await draining;
  const stopped = supervisor.drain(supervisor.current(2));
  const lost = tcp();
  spawner.in(0)[0]!.report({ type: 'given', ack: 1, moved }, lost);
  await stopped;
  t.ok(lost.closed, 'closed by the master');
  t.match(of('move-failed'), [{ from: 0, reason: 'no worker takes connections' }]);
  await supervisor.killAll();
});

t.test('a replacement that fails after its predecessor died too: the slot gets a fresh worker', async (t) => {
  const { supervisor, spawner, of } = setup(1, (_slot, nth) => (nth === 1 ? { start: 'never' } : {}));
  await supervisor.start();
  const restarted = supervisor.restart();
  await until(() => spawner.in(0).length === 2, EVENT_MS, 'the replacement to be forked');
  const [old, doomed] = spawner.in(0);
  old!.kill('SIGKILL');
  await until(() => of('worker-exited').length === 1, EVENT_MS, 'the old worker\'s exit to be handled');
  t.equal(of('worker-exited')[0]!.restartInMs, null, 'not replaced by itself: a replacement held the slot');
  doomed!.exit(1, null);
  t.equal(await restarted, false);
  await until(() => spawner.in(0).length === 3 && supervisor.current(0).ready, EVENT_MS, 'a fresh worker in the slot');
  t.equal(supervisor.current(0).pid, spawner.in(0)[2]!.pid);
  await supervisor.killAll();
});

t.test('killAll closes every channel; the workers exit', async (t) => {
  const { supervisor, spawner } = setup(2);
  await supervisor.start();
  await supervisor.killAll();
  t.same(spawner.children.map((child) => child.exitCode), [0, 0], 'each exited when its channel closed');
  t.equal(await supervisor.restart(), false, 'no restart after a stop');
});

t.test('killAll: a worker that does not exit when its channel closes is killed a second later', async (t) => {
  const { supervisor, spawner } = setup(2, (slot) => (slot === 1 ? { drain: 'hang' } : {}));
  await supervisor.start();
  await supervisor.killAll();
  t.same(spawner.children.map((child) => [child.exitCode, child.signalCode]), [[0, null], [null, 'SIGKILL']]);
});
