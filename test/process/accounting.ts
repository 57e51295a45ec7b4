/**
 * Every connection is accounted for, in the words a person reads: what clients received, tallied by
 * x-slot, is exactly what the workers say they accepted (the article's lines), and it adds up to the
 * number of connections made. And --json says the same thing as events.
 */
import t from 'tap';
import { BODY } from '../../lib/http/responses';
import { parseEvent } from '../../lib/events';
import { load } from '../helpers/load';
import { spawnMaster, startMaster, workersOf } from '../helpers/master';
import { STARTUP_MS } from '../helpers/wait';

const CONNECTIONS = 2000;
const CONCURRENCY = 50;
/** The master gives up on workers that are not ready in this long (START_TIMEOUT_MS in lib/supervisor/supervisor.ts). */
const START_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 10_000;

t.test('N new connections: N byte-exact responses, and the article\'s lines match the client\'s tally', async (t) => {
  const master = spawnMaster(t, ['--workers', '4', '--port', '0', '--drain-timeout', String(DRAIN_TIMEOUT_MS)]);
  const [, port, readyMs] = await master.waitForLine(/^handoff: 4 workers listening on http:\/\/127\.0\.0\.1:(\d+)\/ \(model shared, transport raw, backlog 511\), ready (\d+) ms after start$/,
    'the listening line', STARTUP_MS);
  t.ok(Number(readyMs) < START_TIMEOUT_MS, `all 4 workers listening ${readyMs} ms after the master started (it would give up at ${START_TIMEOUT_MS})`);
  const [, pidList] = await master.waitForLine(/^handoff: worker pids ([\d ]+) \(x-slot 0\.\.3\); Ctrl-C prints the counts, kill -HUP \d+ restarts them one by one$/);
  const pids = pidList!.split(' ').map(Number);
  const result = await load(Number(port), CONNECTIONS, CONCURRENCY);
  t.equal(result.failed, 0, 'no request failed');
  t.same([...result.statuses], [[200, CONNECTIONS]], 'every status is 200');
  t.equal(result.bodyBytes, CONNECTIONS * BODY.length, `every body is exactly "${BODY}"`);

  const stopped = Date.now();
  const report = await master.stop('SIGINT');
  // With nothing in progress the drain is immediate: no worker waits for the drain deadline.
  t.ok(Date.now() - stopped < DRAIN_TIMEOUT_MS, `stopped ${Date.now() - stopped} ms after SIGINT, before any drain deadline`);
  t.notMatch(report.stderr.join('\n'), /did not drain/);
  t.equal(report.code, 0);
  t.same(workersOf(master.pid), [], 'no worker outlives the master');

  t.same([...report.connections.keys()].sort(), [...pids].sort(), 'one article line per worker');
  pids.forEach((pid, slot) => t.equal(report.connections.get(pid), result.bySlot.get(slot) ?? 0, `slot ${slot}: accepted = served`));
  t.equal([...report.connections.values()].reduce((sum, count) => sum + count, 0), CONNECTIONS, 'the counts add up to N');
  t.match(report.stdout.join('\n'), new RegExp(`^total ${CONNECTIONS} connections, ${CONNECTIONS} requests, 4 workers$`, 'm'));
  t.match(report.stdout.join('\n'), /^max\/min \d+\.\d\d {2}Jain's index (0\.\d{3}|1\.000)$/m);
  t.same(report.stderr, ['handoff: SIGINT: draining the workers']);
});

t.test('--json: every line on stdout is one event; the last is the report', async (t) => {
  const { master, port, pids, listening } = await startMaster(t, ['--workers', '2', '--model', 'rr']);
  t.match(listening, { type: 'listening', model: 'rr', transport: 'raw', backlog: 511, masterPid: master.pid, node: process.version, dashboard: null });
  t.equal(listening.url, `http://127.0.0.1:${port}/`);
  const result = await load(port, 100, 10);
  const stopped = await master.stop();
  t.same(stopped.stdout.map((line) => parseEvent(line)?.type), ['listening', 'stopping', 'worker-exited', 'worker-exited', 'report'],
    'nothing but events, the report last');
  t.same(master.events.filter((event) => event.type === 'worker-exited').map((event) => event.type === 'worker-exited' && event.restartInMs),
    [null, null], 'a worker that drains is not replaced');
  t.same(stopped.stderr, []);
  const report = stopped.report!;
  t.same(report.slots.map((slot) => slot.pids), pids.map((pid) => [pid]));
  t.same(report.slots.map((slot) => slot.connections), [50, 50], 'rr: exact');
  t.same(report.slots.map((slot) => slot.connections), pids.map((_, slot) => result.bySlot.get(slot)));
  t.match(report, { type: 'report', model: 'rr', transport: 'raw', connections: 100, requests: 100, maxMin: 1, jain: 1 });
});
