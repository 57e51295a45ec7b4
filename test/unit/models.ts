/**
 * The models where the master accepts (lib/models/master-accepts.ts and its three policies), in process,
 * with fake workers: who gets each connection, when the master's copy is closed, what a draining or dead
 * worker's handles become. And with a real listening socket: a client's connection reaches a worker, and
 * once the model stops listening the kernel refuses.
 */
import net from 'node:net';
import t from 'tap';
import type { MasterAccepts } from '../../lib/models/master-accepts';
import { RoundRobinModel } from '../../lib/models/rr';
import { FreeRoundRobinModel } from '../../lib/models/rr-free';
import { InFlight } from '../../lib/models/in-flight';
import { nginxConfig } from '../../lib/models/nginx';
import { Rotation } from '../../lib/models/rotation';
import { MAX_IN_FLIGHT, PipelinedRoundRobinModel } from '../../lib/models/rr-pipelined';
import { clientHandle, FakeWorker, settings, type FakeHandle } from '../helpers/fakes';
import { EVENT_MS, until } from '../helpers/wait';

function setup<M extends MasterAccepts>(create: (warnings: string[]) => M, workers: number) {
  const warnings: string[] = [];
  const model = create(warnings);
  const all = Array.from({ length: workers }, (_, slot) => new FakeWorker(slot));
  for (const worker of all) model.add(worker);
  const handles = (...names: string[]) => names.map((name) => {
    const handle = clientHandle(name);
    model.distribute(handle);
    return handle;
  });
  return { model, all, warnings, handles, closed: (list: FakeHandle[]) => list.map((handle) => handle.closed) };
}
const rr = (workers = 3) => setup((warnings) => new RoundRobinModel(settings(warnings)), workers);
const free = (workers = 2) => setup((warnings) => new FreeRoundRobinModel(settings(warnings)), workers);
const pipelined = (workers = 3) => setup((warnings) => new PipelinedRoundRobinModel(settings(warnings)), workers);

t.test('rotation: a full turn that finds nobody leaves it where it was; removals keep its place', async (t) => {
  const rotation = new Rotation<string>();
  for (const name of ['a', 'b', 'c']) rotation.add(name);
  t.equal(rotation.take(() => false), null);
  t.equal(rotation.take(() => true), 'a', 'a whole turn tried: back where it started');
  t.equal(rotation.remove('x'), false, 'not in it');
  t.same(rotation.all, ['a', 'b', 'c'], 'and nothing removed');
  t.equal(rotation.take(() => true), 'b');
  t.equal(rotation.remove('c'), true, 'the next one removed, at the end');
  t.equal(rotation.take(() => true), 'a', 'wraps to the start');
  t.equal(rotation.remove('a'), true, 'one before where it stands');
  t.equal(rotation.take(() => true), 'b');
});

t.test('rotation: the turn order from where it stands; passing to one moves the turn past it, and only one in it', async (t) => {
  const rotation = new Rotation<string>();
  for (const name of ['a', 'b', 'c']) rotation.add(name);
  t.equal(rotation.take(() => true), 'a');
  t.same(rotation.inTurn(() => true), ['b', 'c', 'a'], 'from the one after the last served, round');
  t.same(rotation.inTurn((name) => name !== 'c'), ['b', 'a'], 'only those that can take');
  rotation.passTo('c');
  t.same(rotation.inTurn(() => true), ['a', 'b', 'c'], 'chosen out of turn: the turn goes on after it');
  rotation.passTo('a');
  rotation.passTo('x');
  t.same(rotation.inTurn(() => true), ['b', 'c', 'a'], 'one not in the rotation moves nothing');
});

t.test('rr: each worker is told to await connections, then gets them in strict rotation', async (t) => {
  const { all, handles } = rr();
  t.same(all.map((worker) => worker.sent[0]), all.map(() => ({ type: 'await-connections', handle: null })));
  handles('c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6');
  t.same(all.map((worker) => worker.connections), [['c0', 'c3', 'c6'], ['c1', 'c4'], ['c2', 'c5']]);
});

t.test('rr: the master keeps its copy until the worker says `taken`, for exactly the handle it names', async (t) => {
  const { all, handles, closed } = rr(1);
  const sent = handles('a', 'b');
  t.same(closed(sent), [false, false]);
  all[0]!.take('b');
  t.same(closed(sent), [false, true], 'the answer names b, so b is closed, not the oldest');
  all[0]!.take('a');
  all[0]!.take('a');
  t.same(closed(sent), [true, true], 'a second answer changes nothing');
  t.equal(all[0]!.took, 2, 'the worker is told of each connection it took, once: what --rebalance counts before its report');
});

t.test('rr: a worker that stops taking connections is passed by; the rotation goes on from where it was', async (t) => {
  const { all, handles } = rr();
  handles('c0');
  all[1]!.takesConnections = false;
  handles('c1', 'c2', 'c3', 'c4');
  t.same(all.map((worker) => worker.connections), [['c0', 'c2', 'c4'], [], ['c1', 'c3']]);
});

t.test('rr: a send that fails goes to the next worker, with one warning', async (t) => {
  const { all, handles, warnings } = rr();
  all[0]!.failing = true;
  handles('c0');
  t.same(all.map((worker) => worker.connections), [['c0'], ['c0'], []]);
  t.same(warnings, ['could not hand a connection to slot 0 (pid 1000): channel closed']);
});

t.test('rr: a worker that dies hands what it had not taken on, and a late failed send changes nothing', async (t) => {
  const { model, all, handles, closed } = rr();
  all[1]!.failing = true;
  all[1]!.deferred = true;
  const sent = handles('c0', 'c1', 'c2', 'c3', 'c4');
  model.remove(all[1]!);
  t.same(all.map((worker) => worker.connections), [['c0', 'c3', 'c4'], ['c1', 'c4'], ['c2', 'c1']],
    'c1 and c4 were resent, oldest first, to the workers in turn from where the rotation stood (worker 2)');
  all[1]!.fail();
  t.equal(all[0]!.connections.length + all[2]!.connections.length, 5, 'the late failures resent nothing');
  t.same(closed(sent), [false, false, false, false, false]);
  model.remove(all[1]!);
  t.equal(all[0]!.connections.length + all[2]!.connections.length, 5, 'removing it twice changes nothing');
});

t.test('rr: connections that arrive while no worker takes any wait, and go to the first that joins', async (t) => {
  const { model, all, handles } = rr(1);
  all[0]!.takesConnections = false;
  handles('c0', 'c1');
  const late = new FakeWorker(1);
  model.add(late);
  t.same(late.connections, ['c0', 'c1']);
});

t.test('rr-free: one connection per worker until it answers; a fast worker takes more; no rotation', async (t) => {
  const { all, handles } = free();
  handles('c0', 'c1', 'c2', 'c3');
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1']]);
  all[1]!.take();
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1', 'c2']], 'the first to answer gets the next');
  all[1]!.take();
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1', 'c2', 'c3']]);
  all[0]!.take();
  handles('c4');
  t.same(all.map((worker) => worker.connections), [['c0', 'c4'], ['c1', 'c2', 'c3']], 'worker 1 is still busy with c3');
});

t.test('rr-free: the master\'s copy is closed on the answer; an answer for nothing frees nobody twice', async (t) => {
  const { all, handles, closed } = free();
  const [first] = handles('c0');
  t.same(closed([first!]), [false]);
  all[0]!.take();
  t.same(closed([first!]), [true]);
  all[0]!.take();
  handles('c1', 'c2', 'c3');
  t.same(all.map((worker) => worker.connections), [['c0', 'c2'], ['c1']], 'worker 0 is free once, after worker 1; c3 waits for an answer');
});

t.test('rr-free: a worker that dies before answering: its handle goes first, to the next free worker', async (t) => {
  const { model, all, handles } = free();
  handles('c0', 'c1', 'c2');
  model.remove(all[0]!);
  t.same(all[1]!.connections, ['c1'], 'worker 1 is busy: nothing is sent yet');
  all[1]!.take();
  t.same(all[1]!.connections, ['c1', 'c0'], 'c0, never taken, before c2, which waited');
  all[1]!.take();
  t.same(all[1]!.connections, ['c1', 'c0', 'c2']);
});

t.test('rr-free: a draining worker gets no more; a free one that starts draining drops out; a later one takes what waited', async (t) => {
  const { model, all, handles } = free();
  handles('c0');
  all[0]!.takesConnections = false;
  all[0]!.take();
  all[1]!.takesConnections = false;
  handles('c1');
  t.same(all.map((worker) => worker.connections), [['c0'], []]);
  const fresh = new FakeWorker(2);
  model.add(fresh);
  t.same(fresh.connections, ['c1']);
});

t.test('rr-free: a free worker that is removed is free no more; removing a busy one leaves the free list alone', async (t) => {
  const { model, all, handles } = free(3);
  handles('c0');
  model.remove(all[1]!);
  model.remove(all[0]!);
  t.same(all.map((worker) => worker.connections), [['c0'], [], ['c0']], 'c0 went to worker 2; worker 1, removed while free, got nothing');
  handles('c1');
  t.same(all[2]!.connections, ['c0'], 'c1 waits for worker 2\'s answer');
});

t.test('rr-pipelined: each worker is told to await connections, then handles go on its pipe in strict rotation without waiting', async (t) => {
  const { all, handles } = pipelined();
  t.same(all.map((worker) => worker.sent), all.map(() => [{ type: 'await-connections', handle: null }]));
  handles('c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7');
  t.same(all.map((worker) => worker.pipe.sent), [['c0', 'c3', 'c6'], ['c1', 'c4', 'c7'], ['c2', 'c5']]);
});

t.test('rr-pipelined: a worker with MAX_IN_FLIGHT handles not taken gets no more until it takes one', async (t) => {
  const { all, handles } = pipelined(1);
  handles(...Array.from({ length: MAX_IN_FLIGHT + 2 }, (_, at) => `c${at}`));
  const pipe = all[0]!.pipe;
  t.equal(pipe.sent.length, MAX_IN_FLIGHT, 'the last two wait in the master');
  pipe.take();
  t.equal(pipe.sent.length, MAX_IN_FLIGHT + 1);
  t.equal(pipe.sent.at(-1), `c${MAX_IN_FLIGHT}`, 'the oldest that waited');
});

t.test('rr-pipelined: a worker that dies: what it had not taken goes to the others, oldest first', async (t) => {
  const { model, all, handles, closed } = pipelined();
  const sent = handles('c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6');
  all[1]!.pipe.take(1);
  model.remove(all[1]!);
  t.same(all[0]!.pipe.sent, ['c0', 'c3', 'c6']);
  t.same(all[2]!.pipe.sent, ['c2', 'c5', 'c4'], 'c4 went to the next in rotation');
  t.same(closed(sent), [false, true, false, false, false, false, false]);
  handles('c7');
  t.equal(all[0]!.pipe.sent.at(-1), 'c7', 'the rotation goes on over the two left');
});

t.test('close() closes every handle the master still holds: in flight or waiting', async (t) => {
  for (const [name, make] of [['rr', rr], ['rr-free', free], ['rr-pipelined', pipelined]] as const) {
    const { model, handles, closed } = make(1);
    const held = handles(...Array.from({ length: MAX_IN_FLIGHT + 2 }, (_, at) => `c${at}`));
    model.close();
    t.equal(closed(held).filter((isClosed) => !isClosed).length, 0, name);
  }
});

function connect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
  });
}

for (const [name, create, pipe] of [
  ['rr', () => new RoundRobinModel(settings()), false],
  ['rr-free', () => new FreeRoundRobinModel(settings()), false],
  ['rr-pipelined', () => new PipelinedRoundRobinModel(settings()), true],
] as const) {
  t.test(`${name} with a real socket: it listens, hands a real connection on, and refuses once it stops listening`, async (t) => {
    const model = create();
    const worker = new FakeWorker(0);
    model.start();
    t.teardown(() => model.close());
    model.add(worker);
    const { port } = model.address();
    t.ok(port > 0, `listening on port ${port}`);
    t.equal(await connect(port), 'connected');
    const handedOn = () => (pipe ? worker.pipe.sent.length : worker.connections.length);
    await until(() => handedOn() === 1, EVENT_MS, 'the connection to reach the worker');
    t.equal(handedOn(), 1, 'the accepted handle went to the worker');
    model.stopListening();
    t.equal(await connect(port), 'refused', 'nothing listens any more');
  });
}

t.test('nginx: round robin by default; --nginx-balance least-conn adds least_conn and a zone its workers share', async (t) => {
  const upstream = (config: string) => /upstream cluster \{\n([^}]*)\}/.exec(config)![1]!;
  const roundRobin = upstream(nginxConfig(settings(), 3000, '/x'));
  t.notMatch(roundRobin, /least_conn|zone/);
  t.equal(roundRobin.match(/server 127\.0\.0\.1:300\d max_fails=0;/g)!.length, 4);
  const leastConn = upstream(nginxConfig({ ...settings(), nginxBalance: 'least-conn' }, 3000, '/x'));
  t.match(leastConn, /^ {8}least_conn;\n {8}zone cluster 64k;\n {8}server 127\.0\.0\.1:3001 max_fails=0;/);
});

t.test('in flight: a taken item leaves by name, not by age; the oldest left is timed from when it was handed', async (t) => {
  const clock = { ms: 0 };
  const inFlight = new InFlight<string, string>(() => clock.ms);
  inFlight.add('w', 'a');
  clock.ms = 4;
  inFlight.add('w', 'b');
  clock.ms = 10;
  t.equal(inFlight.waitedFor('w'), 10);
  t.equal(inFlight.remove('w', 'b'), true);
  t.equal(inFlight.remove('w', 'b'), false, 'taken already');
  t.equal(inFlight.waitedFor('w'), 10, 'a is still the oldest');
  t.equal(inFlight.remove('w', 'a'), true);
  t.equal(inFlight.waitedFor('w'), 0, 'nothing in flight');
  inFlight.add('w', 'c');
  inFlight.add('w', 'd');
  inFlight.remove('w', 'd');
  t.same(inFlight.takeFrom('w'), ['c'], 'what is left is what was not taken');
});
