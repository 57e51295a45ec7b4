/**
 * The models where the master accepts, with a real listening socket in the test process and fake
 * workers: start() listens where address() says, a client's connection reaches a worker, and
 * stopAccepting() makes the kernel refuse new ones.
 */
import net from 'node:net';
import t from 'tap';
import type { Model } from '../lib/models/model';
import { RoundRobinModel } from '../lib/models/rr';
import { IdleRoundRobinModel } from '../lib/models/rr-idle';
import { PipelinedRoundRobinModel, type Pipes } from '../lib/models/rr-pipelined';
import { FakeWorker, settings } from './helpers/fakes';
import { EVENT_MS, until } from './helpers/wait';

/** A model and a count of the handles it has handed its one worker so far. */
type Setup = (worker: FakeWorker) => { model: Model; handedOn: () => number };
/** rr and rr-idle send each handle over the worker's channel: the fake worker keeps it. */
const overChannel = (model: Model, worker: FakeWorker) => ({ model, handedOn: () => worker.connections.length });
const MODELS: Array<[string, Setup]> = [
  ['rr', (worker) => overChannel(new RoundRobinModel(settings()), worker)],
  ['rr-idle', (worker) => overChannel(new IdleRoundRobinModel(settings()), worker)],
  ['rr-pipelined', () => {
    let sent = 0;
    const pipes: Pipes = {
      open() {}, fork: () => Promise.reject(new Error('no processes here')), listen() {}, send: () => void sent++, end() {}, forget() {}, close() {},
    };
    return { model: new PipelinedRoundRobinModel(settings(), pipes), handedOn: () => sent };
  }],
];

function connect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
  });
}

for (const [name, setup] of MODELS) {
  t.test(`${name}: listens, hands a real connection to a worker, and refuses once it stops accepting`, async (t) => {
    const worker = new FakeWorker(0);
    const { model, handedOn } = setup(worker);
    await model.start();
    t.teardown(() => model.close());
    model.add(worker);
    const { port } = model.address();
    t.ok(port > 0, `listening on port ${port}`);
    t.equal(await connect(port), 'connected');
    await until(() => handedOn() === 1, EVENT_MS, 'the connection to reach the worker');
    t.pass('the accepted handle went to the worker');
    await model.stopAccepting?.();
    t.equal(await connect(port), 'refused', 'nothing listens any more');
  });
}
