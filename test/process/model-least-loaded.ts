/**
 * least-loaded (lib/models/least-loaded.ts) with real workers: a worker kept busy by `/work` gets no new
 * connection while the others are free, where rotation hands it a share and its clients wait; a
 * scheduler of the user's own is loaded and used; and the dashboard's /state shows each worker's load as
 * it says it.
 */
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { ReportEvent } from '../../lib/events';
import { cpuMicros } from '../../lib/os/procfs';
import { runLoad } from '../../tools/measure/load';
import { withoutChildCoverage } from '../helpers/coverage';
import { startMaster } from '../helpers/master';
import { EVENT_MS, until, untilAsync, within } from '../helpers/wait';

withoutChildCoverage();

const SPINS = 10;
const SPIN_US = 100_000;
const CHEAP = 200;

/**
 * Keeps one worker busy: a kept-alive connection that sends SPINS `/work` requests in one write, which its
 * worker burns through in one read (SPINS × SPIN_US without returning to its event loop). Resolves with
 * its slot once the burning has begun (its CPU time climbs), and `done` once every answer has come.
 */
async function busyWorker(t: Test, port: number, pids: number[]) {
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk) => { received += chunk.toString('latin1'); });
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => /x-slot: \d/.test(received), EVENT_MS, 'the first answer on the busy connection');
  const slot = Number(/x-slot: (\d+)/.exec(received)![1]);
  const before = cpuMicros(pids[slot]!);
  socket.write(`GET /work?us=${SPIN_US} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(SPINS));
  await until(() => cpuMicros(pids[slot]!) - before >= 30_000, EVENT_MS, `worker ${pids[slot]} to start burning`);
  const answers = () => received.split('HTTP/1.1 200 OK').length - 1;
  // Closed once answered: a kept-alive connection would hold the master's stop for its idle timeout.
  const done = until(() => answers() === SPINS + 1, EVENT_MS, `all ${SPINS} /work answers`).then(() => socket.destroy());
  return { slot, done };
}

async function cheapSplit(t: Test, args: string[]) {
  const { master, port, pids } = await startMaster(t, ['--workers', '3', ...args]);
  const busy = await busyWorker(t, port, pids);
  const run = await runLoad({ url: new URL(`http://127.0.0.1:${port}/`), requests: CHEAP, concurrency: 4, keepAlive: false });
  await within(busy.done, EVENT_MS, 'the busy worker to finish');
  await master.stop();
  t.equal(run.failed, 0, 'every cheap request answered');
  return { busySlot: busy.slot, toBusy: run.bySlot.get(busy.slot) ?? 0, run };
}

t.test('--model least-loaded: a worker burning 1 s of /work gets almost none of the new connections meanwhile', async (t) => {
  const { toBusy, run } = await cheapSplit(t, ['--model', 'least-loaded']);
  // One connection can be handed to it before the master sees it is busy (it stays in flight, and waits
  // out the burn); the next choices see that handle unacknowledged and go elsewhere.
  t.ok(toBusy <= 3, `${toBusy} of ${CHEAP} to the busy worker (<= 3)`);
  t.ok(run.latencyMs.p50 < SPIN_US / 1000, `the median cheap request did not wait out a burn: ${run.latencyMs.p50} ms`);
});

t.test('--scheduler examples/schedulers/rotation.js: blind turns, and the busy worker gets its third', async (t) => {
  const rotation = path.join(__dirname, '..', '..', 'examples', 'schedulers', 'rotation.js');
  const { toBusy } = await cheapSplit(t, ['--model', 'least-loaded', '--scheduler', rotation]);
  t.ok(toBusy >= CHEAP / 6, `${toBusy} of ${CHEAP} to the busy worker (>= ${CHEAP / 6}): the user's scheduler decided`);
});

t.test('/state shows a worker that keeps burning /work as busy, and the others as idle', async (t) => {
  const { master, port, listening } = await startMaster(t, ['--workers', '2', '--model', 'least-loaded', '--dashboard', '0']);
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  let answers = 0;
  let slot = -1;
  socket.on('data', (chunk) => {
    const text = chunk.toString('latin1');
    slot = Number(/x-slot: (\d+)/.exec(text)?.[1] ?? slot);
    answers += text.split('HTTP/1.1 200 OK').length - 1;
  });
  // One request at a time, each burning 50 ms, for as long as the test waits: the worker's loop turns
  // between them, so its timer reports a window that was nearly all busy.
  let asked = 0;
  const ask = () => { asked++; socket.write('GET /work?us=50000 HTTP/1.1\r\nHost: x\r\n\r\n'); };
  ask();
  const keepAsking = setInterval(() => { if (answers === asked) ask(); }, 5);
  t.teardown(() => clearInterval(keepAsking));
  let seen = '';
  await untilAsync(async () => {
    const state = await (await fetch(new URL('/state', listening.dashboard!))).json() as ReportEvent;
    const [busy, idle] = [state.workers.find((worker) => worker.slot === slot), state.workers.find((worker) => worker.slot !== slot)];
    seen = JSON.stringify(state.workers.map((worker) => worker.load));
    return busy !== undefined && idle !== undefined && busy.load.utilization >= 0.8 && idle.load.utilization < 0.5;
  }, EVENT_MS, 'the busy worker\'s loop to show >= 80% busy, the other < 50%');
  t.pass(`loads on /state: ${seen}`);
  clearInterval(keepAsking);
  socket.destroy();
  await master.stop();
});
