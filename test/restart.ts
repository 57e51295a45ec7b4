/**
 * Rolling restart (SIGHUP) under load, for every model: each worker is replaced by a new process, one
 * at a time, and not one request fails. NOTES.md has the same with ab -n20000 -c50.
 */
import t from 'tap';
import { runLoad } from '../lib/load';
import { modelNames } from '../lib/models';
import { modelNode, startMaster, workersOf } from './helpers/master';

const REQUESTS = 8000;
const CONCURRENCY = 50;

for (const model of modelNames) {
  const node = modelNode(model);
  t.test(`--model ${model}: SIGHUP under load replaces every worker, 0 failed requests`, { skip: node ? false : 'needs Node >= 22.12' }, async (t) => {
    const { master, port, pids } = await startMaster(t, ['--model', model, '--workers', '4'], node!);
    let hupSent = false;
    let restartDoneAt = -1;
    const restarted = master.waitForLine(/^handoff: rolling restart done; worker pids ([\d ]+)$/);
    void restarted.then(() => { restartDoneAt = done; });
    let done = 0;
    const run = await runLoad({
      url: new URL(`http://127.0.0.1:${port}/`), requests: REQUESTS, concurrency: CONCURRENCY, keepAlive: false,
      onProgress: (count) => {
        done = count;
        // Restart once the load is well under way.
        if (!hupSent && count >= REQUESTS / 10) {
          hupSent = true;
          master.child.kill('SIGHUP');
        }
      },
    });
    const [, newPids] = await restarted;
    t.ok(restartDoneAt > 0 && restartDoneAt < REQUESTS, `the restart finished while the load ran (after ${restartDoneAt} of ${REQUESTS})`);
    t.same(run.failures, { refused: 0, reset: 0, timeout: 0, badStatus: 0, other: 0 }, 'no request failed');
    t.same([...run.statuses], [[200, REQUESTS]]);
    const replacements = newPids!.split(' ').map(Number);
    t.equal(replacements.filter((pid) => pids.includes(pid)).length, 0, 'every worker is a new process');
    const report = await master.stop();
    t.equal(report.code, 0);
    // Every request was served by one of the 8 workers and counted by it, the drained ones included.
    t.match(report.stdout.join('\n'), new RegExp(`^total \\d+ connections, ${REQUESTS} requests, 4 workers \\(4 replaced along the way\\)$`, 'm'));
    t.same(workersOf(master.pid), []);
  });
}
