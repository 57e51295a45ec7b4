/**
 * Chaos: kill -9 a random worker every 250 ms under load. Failures are bounded by what was inside the
 * killed workers, every killed slot is forked again at once and serves again, and the workers' counts
 * account for the client's responses. One model per way a connection reaches a worker: the shared
 * socket (shared; reuseport and cluster-none hold their sockets the same way), the master handing
 * handles over the control channel (rr; rr-free differs only in its choice of worker) and over the
 * handle pipe (rr-pipelined), nginx in front, and Node's own cluster. notes/keep-serving.md has the 20 s
 * runs of every model (npm run chaos).
 */
import t from 'tap';
import { COUNT_INTERVAL_MS } from '../../lib/channel/messages';
import { RecoveryClock, responsesBetween, runChaos } from '../../tools/measure/chaos';
import { withoutChildCoverage } from '../helpers/coverage';
import { modelNode, startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, until } from '../helpers/wait';

withoutChildCoverage();

const DURATION_MS = 2000;
const KILL_EVERY_MS = 250;

// rr loses a worker's handles the way rr-pipelined does (lib/models/master-accepts.ts, remove), only over another channel.
for (const model of ['shared', 'rr-pipelined', 'nginx', 'cluster-rr']) {
  const node = modelNode(model);
  t.test(`--model ${model}: kill -9 a worker every ${KILL_EVERY_MS} ms for ${DURATION_MS / 1000} s`, { skip: node ? false : 'needs Node >= 22.12' }, async (t) => {
    const { master, port } = await startMaster(t, ['--model', model, '--workers', '4'], { node: node! });
    const clock = new RecoveryClock();
    master.eventListeners.push((event) => clock.onEvent(event));
    const run = await runChaos({
      url: new URL(`http://127.0.0.1:${port}/`), masterPid: master.pid, durationMs: DURATION_MS,
      killEveryMs: KILL_EVERY_MS, concurrency: 50,
    }, clock);
    const ok = run.load.statuses.get(200) ?? 0;
    t.ok(run.kills.length > 0 && run.kills.length <= DURATION_MS / KILL_EVERY_MS, `${run.kills.length} workers killed, no more than planned`);
    t.equal(ok + run.load.failed, run.load.requests, 'every request either got its 200 or failed');
    const inFlight = run.kills.reduce((sum, kill) => sum + kill.inFlight, 0);
    // Node's RoundRobinHandle neither closes nor resends the handle it sent a worker that died before
    // replying (lib/internal/cluster/round_robin_handle.js, remove): that client is lost too. It sends
    // each worker one handle at a time, so at most one per kill.
    const lostByNode = model === 'cluster-rr' ? run.kills.length : 0;
    t.ok(run.load.failed <= inFlight + lostByNode, `${run.load.failed} failed of ${run.load.requests}, at most the ${inFlight} ` +
      `connections inside the killed workers${lostByNode ? ` and one handle in flight per kill (${lostByNode})` : ''}`);

    // A worker killed from outside is forked again at once (restart-policy.ts), and its slot serves again.
    const killedPids = new Set(run.kills.map((kill) => kill.pid));
    const exits = master.events.filter((event) => event.type === 'worker-exited' && killedPids.has(event.pid));
    t.same(exits.map((event) => event.type === 'worker-exited' && event.restartInMs), exits.map(() => 0), 'every killed worker was replaced at once');
    await until(() => clock.openOutagesMs().length === 0, EVENT_MS, 'every killed slot to serve again');
    t.ok(run.recoveryMs.length > 0, `${run.recoveryMs.length} outages, the longest ${Math.max(...run.recoveryMs)} ms`);

    const stopped = await master.stop();
    t.equal(stopped.code, 0);
    t.same(workersOf(master.pid), []);
    const report = stopped.report!;
    // The workers can count more than the 200s by requests answered by a worker killed before its
    // response got out (at most what was in flight), and fewer by what each killed worker served after
    // its last report. A worker reports every COUNT_INTERVAL_MS, when its event loop comes round to the
    // timer: on a loaded machine up to one interval late. So a victim's unreported requests are at most
    // what its slot answered in the two intervals before the kill (and the moment after: responses
    // still on their way), which the client saw, slot by slot.
    const unreported = exits.reduce((sum, event) => {
      if (event.type !== 'worker-exited') return sum;
      const kill = run.kills.find((each) => each.pid === event.pid)!;
      return sum + responsesBetween(run, event.slot, kill.at - 2 * COUNT_INTERVAL_MS, kill.at + COUNT_INTERVAL_MS);
    }, 0);
    t.ok(report.requests <= ok + inFlight, `counted ${report.requests} <= ${ok} answered + ${inFlight} in flight`);
    t.ok(report.requests >= ok - unreported,
      `counted ${report.requests} >= ${ok} answered - ${unreported} (what each victim's slot answered in the two report intervals before its kill)`);
  });
}
