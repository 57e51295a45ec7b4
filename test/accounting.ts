/**
 * Every connection is accounted for: what clients received, tallied by x-worker, is exactly what the
 * workers say they accepted, and it adds up to the number of connections made.
 */
import t from 'tap';
import { load } from '../lib/load';
import { startMaster, workersOf } from './helpers/master';

const CONNECTIONS = 2000;
const CONCURRENCY = 50;

t.test('N new connections: N byte-exact responses, and the master\'s counts match the client\'s tally', async (t) => {
  const { master, port, pids } = await startMaster(t, ['--workers', '4']);
  const [, readyMs] = await master.waitForLine(/, ready (\d+) ms after start$/);
  t.ok(Number(readyMs) < 1000, `all 4 workers listening ${readyMs} ms after the master started`);
  const result = await load(port, CONNECTIONS, CONCURRENCY);
  t.equal(result.failures, 0, 'no request failed');
  t.same([...result.statuses], [[200, CONNECTIONS]], 'every status is 200');
  t.equal(result.bodyBytes, CONNECTIONS * 'hello nodejs'.length, 'every body is exactly "hello nodejs"');

  const stopped = Date.now();
  const report = await master.stop('SIGINT');
  t.ok(Date.now() - stopped < 2000, 'the master and its workers exit within 2 s');
  t.equal(report.code, 0);
  t.same(workersOf(master.pid), [], 'no worker outlives the master');

  t.same([...report.connections.keys()].sort(), [...pids].sort(), 'one article line per worker');
  let total = 0;
  pids.forEach((pid, index) => {
    const accepted = report.connections.get(pid);
    t.equal(accepted, result.byWorker.get(index) ?? 0, `worker ${index}: accepted = served`);
    total += accepted ?? 0;
  });
  t.equal(total, CONNECTIONS, 'the counts add up to N');
  t.match(report.stdout.join('\n'), new RegExp(`^total ${CONNECTIONS} connections, ${CONNECTIONS} requests, 4 workers$`, 'm'));
  t.match(report.stdout.join('\n'), /^max\/min \d+\.\d\d {2}Jain's index (0\.\d{3}|1\.000)$/m);
});
