/**
 * least-loaded (lib/models/least-loaded.ts) and its scheduler (lib/models/scheduler.ts), in process, with
 * fake workers whose load the test sets: the default avoids a busy worker and takes turns among idle
 * ones; the model offers only workers that can take a connection, in turn order; a user's scheduler that
 * throws or names no such worker costs one warning a second and loses nothing; the examples load, and the
 * example of the default chooses as the default does.
 */
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { UsageError } from '../../lib/errors';
import { parseMasterArgs } from '../../lib/master/cli';
import { LeastLoadedModel } from '../../lib/models/least-loaded';
import { MAX_IN_FLIGHT } from '../../lib/models/rr-pipelined';
import { leastLoaded, loadScheduler, type Scheduler, type WorkerLoad } from '../../lib/models/scheduler';
import { clientHandle, FakeWorker, settings, type FakeHandle } from '../helpers/fakes';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples', 'schedulers');
const idle = (slot: number, load: Partial<WorkerLoad> = {}): WorkerLoad => ({ slot, inFlight: 0, waitedMs: 0, open: 0, inProgress: 0, utilization: 0, ...load });

function setup(workers: number, scheduler?: Scheduler) {
  const warnings: string[] = [];
  const clock = { ms: 0 };
  const model = new LeastLoadedModel(settings(warnings), scheduler, () => clock.ms);
  const all = Array.from({ length: workers }, (_, slot) => new FakeWorker(slot));
  for (const worker of all) model.add(worker);
  let named = 0;
  const connect = (count = 1): FakeHandle[] => Array.from({ length: count }, () => {
    const handle = clientHandle(`c${named++}`);
    model.distribute(handle);
    return handle;
  });
  /** Slots in the order they were handed connections. */
  const order: number[] = [];
  const sentTo = () => all.map((worker) => worker.pipe.sent.length);
  return { model, all, warnings, clock, connect, order, sentTo };
}

t.test('the default: only a worker with nothing in flight, the least busy loop in quarters, then the fewest held; ties to the first', async (t) => {
  t.equal(leastLoaded([idle(0, { inFlight: 1 }), idle(1, { open: 40, utilization: 0.9 })]), 1, 'a handle not acknowledged outweighs everything');
  t.equal(leastLoaded([idle(0, { inFlight: 1 }), idle(1, { inFlight: 3, waitedMs: 50 })]), null, 'none free: wait for an acknowledgement');
  t.equal(leastLoaded([idle(0, { utilization: 0.6 }), idle(1, { open: 40, inProgress: 3 })]), 1, 'a busy loop outweighs what it holds');
  t.equal(leastLoaded([idle(0, { utilization: 0.3 }), idle(1, { utilization: 0.33, open: 1 })]), 0, '0.3 and 0.33 are the same quarter: what it holds decides');
  t.equal(leastLoaded([idle(0, { open: 2 }), idle(1, { open: 1, inProgress: 1 }), idle(2, { open: 1 })]), 2, 'held and in progress add up');
  t.equal(leastLoaded([idle(3), idle(1), idle(2)]), 3, 'a tie goes to the first: the next in turn');
});

const loadArbitrary = fc.record({
  inFlight: fc.oneof(fc.constant(0), fc.nat(MAX_IN_FLIGHT)), waitedMs: fc.nat(100), open: fc.nat(500), inProgress: fc.nat(20), utilization: fc.double({ min: 0, max: 1, noNaN: true }),
});
const loadsArbitrary = fc.array(loadArbitrary, { minLength: 1, maxLength: 16 })
  .map((loads) => loads.map((load, at) => ({ ...load, slot: (at * 7) % 16 })));

t.test('the default names a free worker that none beats, or waits only when none is free', async (t) => {
  fc.assert(fc.property(loadsArbitrary, (loads) => {
    const slot = leastLoaded(loads);
    const free = loads.filter((load) => load.inFlight === 0);
    if (slot === null) return free.length === 0;
    const chosen = free.find((load) => load.slot === slot);
    const key = (load: WorkerLoad) => [Math.round(load.utilization * 4), load.open + load.inProgress];
    const beats = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]!;
    return chosen !== undefined && free.every((load) => beats(key(load), key(chosen)) >= 0);
  }));
  t.pass('100 generated sets of loads');
});

t.test('examples/schedulers: the default written as a user would chooses as the default does; rotation takes the first', async (t) => {
  const example = loadScheduler(path.join(EXAMPLES, 'least-loaded.js'));
  fc.assert(fc.property(loadsArbitrary, (loads) => example(loads) === leastLoaded(loads)));
  const rotation = loadScheduler(path.join(EXAMPLES, 'rotation.js'));
  t.equal(rotation([idle(2), idle(0, { inFlight: 9 })]), 2);
});

t.test('loadScheduler: a function, its `choose` or its `default`; anything else is one line', async (t) => {
  t.type(loadScheduler(path.join(EXAMPLES, 'least-loaded.js')), 'function', 'module.exports = function');
  t.type(loadScheduler(path.join(EXAMPLES, 'rotation.js')), 'function', 'exports.choose');
  t.throws(() => loadScheduler('package.json'), { name: 'UsageError', message: /^--scheduler package\.json: exports no scheduler/ });
  t.throws(() => loadScheduler('no/such/file.js'), { name: 'UsageError', message: /^--scheduler no\/such\/file\.js: cannot load it \(Cannot find module/ });
  t.throws(() => parseMasterArgs(['--scheduler', path.join(EXAMPLES, 'rotation.js')]), new UsageError('--scheduler chooses a worker for --model least-loaded, not shared'));
  t.equal(parseMasterArgs(['--model', 'least-loaded'])!.scheduler, null, 'no flag: the default');
  t.type(parseMasterArgs(['--model', 'least-loaded', '--scheduler', path.join(EXAMPLES, 'rotation.js')])!.scheduler, 'function');
});

t.test('idle workers that acknowledge at once take turns: an exact split', async (t) => {
  const { all, connect, sentTo } = setup(4);
  for (let at = 0; at < 40; at++) {
    connect();
    for (const worker of all) worker.pipe.take(MAX_IN_FLIGHT);
  }
  t.same(sentTo(), [10, 10, 10, 10]);
});

t.test('when every worker has a handle in flight the connection waits, and goes to the first that acknowledges, not the next in turn', async (t) => {
  const { all, connect, sentTo } = setup(3);
  connect(3);
  t.same(sentTo(), [1, 1, 1]);
  const waiting = connect(2);
  t.same(sentTo(), [1, 1, 1], 'both wait in the master');
  t.same(waiting.map((handle) => handle.closed), [false, false], 'held, not dropped');
  all[2]!.pipe.take();
  t.same(sentTo(), [1, 1, 2], 'the first to acknowledge takes the oldest');
  all[0]!.pipe.take();
  t.same(sentTo(), [2, 1, 2]);
  t.same(all[0]!.pipe.sent.at(-1), waiting[1]!.name, 'in the order they came');
});

t.test('a worker that does not acknowledge (busy on a long request) gets nothing more while another is free', async (t) => {
  const { all, connect, sentTo } = setup(3);
  connect(3);
  for (const worker of [all[0]!, all[2]!]) worker.pipe.take(MAX_IN_FLIGHT);
  for (let at = 0; at < 30; at++) {
    connect();
    for (const worker of [all[0]!, all[2]!]) worker.pipe.take(MAX_IN_FLIGHT);
  }
  t.same(sentTo(), [16, 1, 16], 'slot 1 kept its first, unacknowledged');
  all[1]!.pipe.take();
  connect(2);
  t.same(sentTo(), [17, 2, 16], 'acknowledged, it takes its turn again');
});

t.test('the scheduler sees every worker that can take a connection, in turn order, with what the master knows', async (t) => {
  const seen: WorkerLoad[][] = [];
  const { all, model, clock, connect } = setup(3, (loads) => { seen.push([...loads]); return loads[0]!.slot; });
  all[2]!.open = 7;
  all[2]!.load = { inProgress: 2, utilization: 0.5 };
  clock.ms = 10;
  connect();
  clock.ms = 12.5;
  connect();
  t.same(seen[0], [idle(0), idle(1), idle(2, { open: 7, inProgress: 2, utilization: 0.5 })]);
  t.same(seen[1]!.map((load) => [load.slot, load.inFlight, load.waitedMs]), [[1, 0, 0], [2, 0, 0], [0, 1, 2.5]],
    'from the one after the last chosen; slot 0 has had one in flight for 2.5 ms');
  all[1]!.takesConnections = false;
  model.remove(all[2]!);
  connect();
  t.same(seen[2]!.map((load) => load.slot), [0], 'neither a draining worker nor a removed one is offered');
});

t.test('a worker at MAX_IN_FLIGHT is not offered; when none can take one, the connection waits in the master', async (t) => {
  const calls: number[] = [];
  const { all, connect, sentTo } = setup(1, (loads) => { calls.push(loads.length); return loads[0]!.slot; });
  connect(MAX_IN_FLIGHT + 1);
  t.same(sentTo(), [MAX_IN_FLIGHT]);
  t.equal(calls.length, MAX_IN_FLIGHT, 'not asked when nobody can take it');
  all[0]!.pipe.take();
  t.same(sentTo(), [MAX_IN_FLIGHT + 1], 'the one that waited goes once there is room');
});

t.test('a scheduler that throws or names no worker that can take one: the next in turn, one warning a second, nothing lost', async (t) => {
  let answer: () => number | null = () => { throw new Error('boom'); };
  const { all, warnings, clock, connect, sentTo } = setup(3, () => answer());
  connect(4);
  t.same(sentTo(), [2, 1, 1], 'in turn');
  t.same(warnings, ['the scheduler threw boom; the connection goes to the next worker in turn']);
  clock.ms = 999;
  connect();
  t.equal(warnings.length, 1, 'no second line within the second');
  clock.ms = 1000;
  all[0]!.takesConnections = false;
  answer = () => 0;
  connect();
  t.equal(warnings[1], 'the scheduler returned 0, not the slot of a worker that can take it (5 times since the last warning); the connection goes to the next worker in turn');
  for (const bad of [() => 9, () => Number.NaN, () => '1' as unknown as number, () => undefined as unknown as number]) {
    answer = bad;
    connect();
  }
  answer = () => null;
  all[1]!.pipe.take(MAX_IN_FLIGHT);
  connect();
  t.equal(sentTo().reduce((sum, count) => sum + count, 0), 11, 'every connection went somewhere');
  t.equal(all[0]!.pipe.sent.length, 2, 'never to the draining one');
  clock.ms = 2000;
  all[1]!.pipe.take(MAX_IN_FLIGHT);
  connect();
  t.equal(warnings[2], 'the scheduler waited while a worker had nothing in flight (6 times since the last warning); the connection goes to the next worker in turn',
    'a wait no acknowledgement would end is a failure too');
});

t.test('a scheduler that waits while every worker has a handle in flight: no warning, and it is asked again on each acknowledgement', async (t) => {
  let calls = 0;
  const { all, warnings, connect, sentTo } = setup(2, (loads) => { calls++; return loads.find((load) => load.inFlight === 0)?.slot ?? null; });
  connect(3);
  t.same(sentTo(), [1, 1]);
  t.same(warnings, []);
  const before = calls;
  all[1]!.pipe.take();
  t.equal(calls, before + 1, 'asked again');
  t.same(sentTo(), [1, 2]);
});

t.test('a worker that dies with a handle in flight: the handle goes to another, the first that acknowledges if none is free', async (t) => {
  const { model, all, connect, sentTo } = setup(2);
  const [first] = connect(2);
  model.remove(all[0]!);
  t.same(sentTo(), [1, 1], 'slot 1 still has its own in flight: the stranded one waits');
  t.equal(first!.closed, false);
  all[1]!.pipe.take();
  t.same(all[1]!.pipe.sent, ['c1', 'c0'], 'then it goes to the survivor, not lost');
});

t.test('waitedMs is the age of the oldest handle still in flight: an acknowledged one no longer counts', async (t) => {
  const seen: number[] = [];
  const { all, clock, connect } = setup(1, (loads) => { seen.push(loads[0]!.waitedMs); return loads[0]!.slot; });
  connect();
  clock.ms = 5;
  connect();
  clock.ms = 6;
  all[0]!.pipe.take();
  clock.ms = 7;
  connect();
  t.same(seen, [0, 5, 2], 'at 7 ms the oldest in flight is the one sent at 5');
});

t.test('a scheduler that throws something that is not an Error is said as it is', async (t) => {
  const { warnings, connect, sentTo } = setup(2, () => { throw null; });
  connect();
  t.same(sentTo(), [1, 0]);
  t.same(warnings, ['the scheduler threw null; the connection goes to the next worker in turn']);
});
