/**
 * rr's state machine, in process: strict rotation, draining and dead workers skipped, a failed send
 * resent, an unacknowledged handle given to the next worker when its worker dies, and every handle
 * closed in the master exactly when its worker has it.
 */
import t from 'tap';
import { RoundRobinModel } from '../lib/models/rr';
import { clientHandle, FakeWorker, settings } from './helpers/fakes';

function setup(workers = 3) {
  const model = new RoundRobinModel(settings());
  const all = Array.from({ length: workers }, (_, slot) => new FakeWorker(slot));
  for (const worker of all) model.add(worker);
  return { model, all };
}

t.test('each worker is told to await connections, then gets them in strict rotation', async (t) => {
  const { model, all } = setup();
  t.same(all.map((worker) => worker.sent[0]), all.map(() => ({ type: 'await-connections', handle: null })));
  for (let at = 0; at < 7; at++) model.distribute(clientHandle(`c${at}`));
  t.same(all.map((worker) => worker.connections), [['c0', 'c3', 'c6'], ['c1', 'c4'], ['c2', 'c5']]);
});

t.test('the master keeps its copy until the worker acknowledges, oldest first', async (t) => {
  const { model, all } = setup(1);
  const handles = [clientHandle('a'), clientHandle('b')];
  handles.forEach((handle) => model.distribute(handle));
  t.same(handles.map((handle) => handle.closed), [false, false]);
  model.accepted(all[0]!);
  t.same(handles.map((handle) => handle.closed), [true, false]);
  model.accepted(all[0]!);
  model.accepted(all[0]!);
  t.same(handles.map((handle) => handle.closed), [true, true], 'an extra ack closes nothing');
});

t.test('a worker that stops accepting is passed by; the rotation goes on from where it was', async (t) => {
  const { model, all } = setup();
  model.distribute(clientHandle('c0'));
  all[1]!.accepting = false;
  for (let at = 1; at < 5; at++) model.distribute(clientHandle(`c${at}`));
  t.same(all.map((worker) => worker.connections), [['c0', 'c2', 'c4'], [], ['c1', 'c3']]);
});

t.test('a failed send goes to the next worker', async (t) => {
  const { model, all } = setup();
  all[0]!.failing = true;
  model.distribute(clientHandle('c0'));
  t.same(all.map((worker) => worker.connections), [['c0'], ['c0'], []]);
});

t.test('a worker that dies hands its unacknowledged handles on, and a late send callback changes nothing', async (t) => {
  const { model, all } = setup();
  all[1]!.deferred = true;
  const handles = ['c0', 'c1', 'c2', 'c3', 'c4'].map(clientHandle);
  handles.forEach((handle) => model.distribute(handle));
  model.accepted(all[1]!); // c1 reached it
  all[1]!.failing = true;
  model.remove(all[1]!);
  t.same(all.map((worker) => worker.connections), [['c0', 'c3'], ['c1', 'c4'], ['c2', 'c4']],
    'c4 was resent to the worker after it in the rotation; c1, acknowledged, was not');
  all[1]!.pending.forEach((finish) => finish());
  t.same(all[0]!.connections.length + all[2]!.connections.length, 4, 'the late failed callbacks resent nothing');
  t.same(handles.map((handle) => handle.closed), [false, true, false, false, false]);
});

t.test('removing the last worker in the rotation wraps around', async (t) => {
  const { model, all } = setup();
  model.distribute(clientHandle('c0'));
  model.distribute(clientHandle('c1'));
  model.remove(all[2]!);
  model.distribute(clientHandle('c2'));
  t.same(all.map((worker) => worker.connections), [['c0', 'c2'], ['c1'], []]);
});

t.test('removing a worker the model never had changes nothing', async (t) => {
  const { model, all } = setup(2);
  model.remove(new FakeWorker(7));
  ['c0', 'c1', 'c2'].forEach((name) => model.distribute(clientHandle(name)));
  t.same(all.map((worker) => worker.connections), [['c0', 'c2'], ['c1']]);
});

t.test('removing a worker before the next in rotation keeps the rotation where it was', async (t) => {
  const { model, all } = setup(3);
  ['c0', 'c1'].forEach((name) => model.distribute(clientHandle(name)));
  model.accepted(all[0]!);
  model.remove(all[0]!);
  ['c2', 'c3'].forEach((name) => model.distribute(clientHandle(name)));
  t.same(all.map((worker) => worker.connections), [['c0'], ['c1', 'c3'], ['c2']], 'worker 2 was next, and still is');
});

t.test('when no worker takes connections, they wait in the master (no endless search)', async (t) => {
  const { model, all } = setup(2);
  all.forEach((worker) => { worker.accepting = false; });
  model.distribute(clientHandle('waits'));
  t.same(all.map((worker) => worker.connections), [[], []]);
  const fresh = new FakeWorker(2);
  model.add(fresh);
  t.same(fresh.connections, ['waits']);
});

t.test('with no worker, connections wait in the master and go to the first one added', async (t) => {
  const model = new RoundRobinModel(settings());
  model.distribute(clientHandle('early'));
  const worker = new FakeWorker(0);
  model.add(worker);
  t.same(worker.connections, ['early']);
});

t.test('close() closes every handle the master still holds', async (t) => {
  const { model, all } = setup(1);
  const sent = clientHandle('sent');
  model.distribute(sent);
  model.remove(all[0]!);
  const waiting = clientHandle('waiting');
  model.distribute(waiting);
  model.close();
  t.same([sent.closed, waiting.closed], [true, true]);
});
