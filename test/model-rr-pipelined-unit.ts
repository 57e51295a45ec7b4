/**
 * rr-pipelined's state machine, in process, with a fake pipe: strict rotation with many handles in
 * flight, cumulative acknowledgements closing the master's copies, the in-flight bound, and a dead
 * worker's unacknowledged handles resent, oldest first.
 */
import t from 'tap';
import type { ClientHandle } from '../lib/binding';
import { MAX_IN_FLIGHT, PipelinedRoundRobinModel, type Pipes } from '../lib/models/rr-pipelined';
import { clientHandle, FakeWorker, nameOf, settings, type FakeHandle } from './helpers/fakes';

class FakePipes implements Pipes {
  readonly sent = new Map<number, string[]>();
  readonly acks = new Map<number, (total: number) => void>();
  readonly ended: number[] = [];
  readonly forgotten: number[] = [];
  open(): void {}
  fork(): never {
    throw new Error('not in a unit test');
  }
  listen(pid: number, onAcknowledged: (total: number) => void): void {
    this.acks.set(pid, onAcknowledged);
    this.sent.set(pid, []);
  }
  send(pid: number, handle: ClientHandle): void {
    this.sent.get(pid)!.push(nameOf(handle)!);
  }
  end(pid: number): void {
    this.ended.push(pid);
  }
  forget(pid: number): void {
    this.forgotten.push(pid);
  }
  close(): void {}
}

function setup(workers = 3) {
  const pipes = new FakePipes();
  const model = new PipelinedRoundRobinModel(settings(), pipes);
  const all = Array.from({ length: workers }, (_, slot) => new FakeWorker(slot));
  for (const worker of all) model.add(worker);
  const sent = () => all.map((worker) => pipes.sent.get(worker.pid));
  return { model, all, pipes, sent };
}

t.test('each worker is told where its pipe is, then gets handles in strict rotation without waiting for acks', async (t) => {
  const { model, all, sent } = setup();
  t.same(all.map((worker) => worker.sent), all.map(() => [{ type: 'open-handoff-pipe', handle: null }]));
  for (let at = 0; at < 8; at++) model.distribute(clientHandle(`c${at}`));
  t.same(sent(), [['c0', 'c3', 'c6'], ['c1', 'c4', 'c7'], ['c2', 'c5']]);
});

t.test('acknowledgements are running totals: each closes the master\'s copies up to it, and no further', async (t) => {
  const { model, all, pipes } = setup(1);
  const handles = Array.from({ length: 5 }, (_, at) => clientHandle(`c${at}`));
  handles.forEach((handle) => model.distribute(handle));
  const ack = pipes.acks.get(all[0]!.pid)!;
  ack(2);
  t.same(handles.map((handle) => handle.closed), [true, true, false, false, false]);
  ack(2);
  ack(1);
  t.same(handles.map((handle) => handle.closed), [true, true, false, false, false], 'a stale or repeated total closes nothing');
  // A garbled total must not become the count later totals are measured against (NaN compares false).
  ack(Number.NaN);
  t.same(handles.map((handle) => handle.closed), [true, true, false, false, false], 'a garbled total closes nothing');
  ack(5);
  t.same(handles.map((handle) => handle.closed), [true, true, true, true, true], 'and the next good total still counts');
});

t.test('a stale total after a newer one does not move the count back', async (t) => {
  const { model, all, pipes } = setup(1);
  const handles = Array.from({ length: 5 }, (_, at) => clientHandle(`c${at}`));
  handles.forEach((handle) => model.distribute(handle));
  const ack = pipes.acks.get(all[0]!.pid)!;
  ack(2);
  ack(1);
  ack(3);
  t.same(handles.map((handle) => handle.closed), [true, true, true, false, false], '3 acknowledged: three closed, not four');
});

t.test('removing: an unknown worker changes nothing; one before the next keeps the rotation; the last one wraps', async (t) => {
  const three = setup(3);
  three.model.remove(new FakeWorker(9));
  ['c0', 'c1'].forEach((name) => three.model.distribute(clientHandle(name)));
  three.pipes.acks.get(three.all[0]!.pid)!(1);
  three.model.remove(three.all[0]!);
  three.model.distribute(clientHandle('c2'));
  t.same(three.sent().slice(1), [['c1'], ['c2']], 'worker 2 was next, and still is');
  const two = setup(2);
  two.model.distribute(clientHandle('d0'));
  two.model.remove(two.all[1]!);
  two.model.distribute(clientHandle('d1'));
  t.same(two.sent()[0], ['d0', 'd1'], 'the next in rotation was removed: it wraps to the first');
});

t.test('a worker that dies: its unacknowledged handles go to the others, oldest first; its pipe is forgotten', async (t) => {
  const { model, all, pipes, sent } = setup();
  const handles = Array.from({ length: 7 }, (_, at) => clientHandle(`c${at}`));
  handles.forEach((handle) => model.distribute(handle));
  pipes.acks.get(all[1]!.pid)!(1); // c1 reached worker 1; c4 did not
  model.remove(all[1]!);
  t.same(pipes.forgotten, [all[1]!.pid]);
  t.same(sent()[0], ['c0', 'c3', 'c6']);
  t.same(sent()[2], ['c2', 'c5', 'c4'], 'c4 went to the next in rotation');
  t.same(handles.map((handle) => handle.closed), [false, true, false, false, false, false, false]);
  model.distribute(clientHandle('c7'));
  t.same(sent()[0]!.at(-1), 'c7', 'the rotation goes on over the two left');
});

t.test('a draining worker is passed by, and its pipe is ended after the last handle', async (t) => {
  const { model, all, pipes, sent } = setup(2);
  all[0]!.accepting = false;
  model.draining(all[0]!);
  t.same(pipes.ended, [all[0]!.pid]);
  ['c0', 'c1', 'c2'].forEach((name) => model.distribute(clientHandle(name)));
  t.same(sent(), [[], ['c0', 'c1', 'c2']]);
});

t.test('a worker with MAX_IN_FLIGHT unacknowledged handles gets no more until it acknowledges', async (t) => {
  const { model, all, pipes, sent } = setup(1);
  for (let at = 0; at < MAX_IN_FLIGHT + 2; at++) model.distribute(clientHandle(`c${at}`));
  t.equal(sent()[0]!.length, MAX_IN_FLIGHT, 'the last two wait in the master');
  pipes.acks.get(all[0]!.pid)!(1);
  t.equal(sent()[0]!.length, MAX_IN_FLIGHT + 1, 'one acknowledged, one more sent');
  t.equal(sent()[0]!.at(-1), `c${MAX_IN_FLIGHT}`, 'the oldest that waited');
});

t.test('close() closes every handle the master still holds, sent or waiting', async (t) => {
  const { model, all } = setup(1);
  const handles: FakeHandle[] = [];
  for (let at = 0; at < MAX_IN_FLIGHT + 2; at++) {
    const handle = clientHandle(`c${at}`);
    handles.push(handle);
    model.distribute(handle);
  }
  all[0]!.accepting = false;
  model.close();
  t.equal(handles.filter((handle) => !handle.closed).length, 0);
});
