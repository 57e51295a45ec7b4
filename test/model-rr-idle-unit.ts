/**
 * rr-idle's state machine (Node's RoundRobinHandle policy), in process: one handle per worker until it
 * replies, the free list in the order workers became free, connections waiting while every worker is
 * busy, and a dead worker's unacknowledged handle served first by the next free worker.
 */
import t from 'tap';
import { IdleRoundRobinModel } from '../lib/models/rr-idle';
import { clientHandle, FakeWorker, settings } from './helpers/fakes';

function setup(workers = 2) {
  const warnings: string[] = [];
  const model = new IdleRoundRobinModel(settings(warnings));
  const all = Array.from({ length: workers }, (_, slot) => new FakeWorker(slot));
  for (const worker of all) model.add(worker);
  return { model, all, warnings };
}

t.test('one connection per worker until it replies; the rest wait in the master', async (t) => {
  const { model, all } = setup();
  ['c0', 'c1', 'c2', 'c3'].forEach((name) => model.distribute(clientHandle(name)));
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1']]);
  model.accepted(all[1]!);
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1', 'c2']], 'the first to reply gets the next');
  model.accepted(all[1]!);
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1', 'c2', 'c3']], 'a fast worker takes more: no rotation');
  model.accepted(all[0]!);
  model.distribute(clientHandle('c4'));
  t.same(all.map((worker) => worker.connections), [['c0', 'c4'], ['c1', 'c2', 'c3']],
    'the next connection goes to the free worker (worker 1 is still busy with c3)');
});

t.test('the master\'s copy is closed on the reply, not before', async (t) => {
  const { model, all } = setup(2);
  const handle = clientHandle('c0');
  model.distribute(handle);
  t.equal(handle.closed, false);
  model.accepted(all[0]!);
  t.equal(handle.closed, true);
  // A reply with nothing unacknowledged must not put worker 0 on the free list a second time.
  model.accepted(all[0]!);
  ['c1', 'c2', 'c3'].forEach((name) => model.distribute(clientHandle(name)));
  t.same(all.map((worker) => worker.connections), [['c0', 'c2'], ['c1']],
    'a spurious reply frees nobody: c3 waits for a reply');
});

t.test('a worker that dies before replying: its handle goes first, to the next free worker', async (t) => {
  const { model, all } = setup();
  ['c0', 'c1', 'c2'].forEach((name) => model.distribute(clientHandle(name)));
  model.remove(all[0]!);
  t.same(all[1]!.connections, ['c1'], 'worker 1 is busy: nothing is sent yet');
  model.accepted(all[1]!);
  t.same(all[1]!.connections, ['c1', 'c0'], 'c0, never acknowledged, before c2, which waited');
  model.accepted(all[1]!);
  t.same(all[1]!.connections, ['c1', 'c0', 'c2']);
});

t.test('a draining worker finishes its connection and gets no more; a free one that starts draining drops out', async (t) => {
  const { model, all } = setup();
  model.distribute(clientHandle('c0'));
  all[0]!.accepting = false;
  model.accepted(all[0]!);
  all[1]!.accepting = false;
  model.distribute(clientHandle('c1'));
  t.same(all.map((worker) => worker.connections), [['c0'], []]);
  const fresh = new FakeWorker(2);
  model.add(fresh);
  t.same(fresh.connections, ['c1'], 'a worker added later takes what waited');
});

t.test('a failed send is reported once, and the handle goes on when the worker is removed', async (t) => {
  const { model, all, warnings } = setup(1);
  all[0]!.failing = true;
  model.distribute(clientHandle('c0'));
  t.same(warnings, ['could not send a connection to worker 0 (pid 1000): channel closed']);
  model.remove(all[0]!);
  const next = new FakeWorker(1);
  model.add(next);
  t.same(next.connections, ['c0']);
});

t.test('a free worker that is removed is no longer free; removing a busy one leaves the free list alone', async (t) => {
  const { model, all } = setup(3);
  model.distribute(clientHandle('c0'));
  model.remove(all[1]!);
  model.remove(all[0]!);
  t.same(all.map((worker) => worker.connections), [['c0'], [], ['c0']],
    'worker 0\'s unacknowledged c0 went to worker 2, still free; worker 1, removed while free, got nothing');
  model.distribute(clientHandle('c1'));
  t.same(all[2]!.connections, ['c0'], 'c1 waits for worker 2\'s reply');
});

t.test('close() closes every handle the master still holds: sent and unacknowledged, or waiting', async (t) => {
  const { model } = setup(2);
  const handles = ['c0', 'c1', 'c2', 'c3'].map((name) => clientHandle(name));
  handles.forEach((handle) => model.distribute(handle));
  model.close();
  t.same(handles.map((handle) => handle.closed), [true, true, true, true]);
});
