/**
 * node master.js --dashboard PORT, without a browser: /state is the report as it stands, /events a
 * stream of frames twice a second, the page is served, a taken port is one line, and the dashboard
 * stops with the master. test/process/browser.ts looks at the page in Chromium.
 */
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import type { ReportEvent } from '../../lib/events';
import type { DashboardFrame } from '../../lib/dashboard/server';
import { load } from '../helpers/load';
import { spawnMaster, startMaster, workersOf } from '../helpers/master';
import { EVENT_MS, untilAsync, within } from '../helpers/wait';

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** The first `count` frames of /events. */
function frames(url: string, count: number): Promise<DashboardFrame[]> {
  return within(new Promise((resolve, reject) => {
    const received: DashboardFrame[] = [];
    let buffered = '';
    const request = http.get(new URL('/events', url), (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
          received.push(JSON.parse(buffered.slice('data: '.length, end)) as DashboardFrame);
          buffered = buffered.slice(end + 2);
        }
        if (received.length >= count) {
          request.destroy();
          resolve(received.slice(0, count));
        }
      });
    });
    request.on('error', reject);
  }), EVENT_MS, `${count} frames from /events`);
}

t.test('/state is the report as it stands, in the shape --json prints at the end', async (t) => {
  const { master, port, pids, listening } = await startMaster(t, ['--workers', '2', '--model', 'rr', '--dashboard', '0']);
  t.match(listening.dashboard, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const dashboard = listening.dashboard!;
  t.equal((await load(port, 100, 10)).failed, 0);
  // Counts reach the master every 100 ms (COUNT_INTERVAL_MS): wait for them, then compare.
  let state: ReportEvent | null = null;
  await untilAsync(async () => {
    state = JSON.parse((await get(new URL('/state', dashboard).href)).body) as ReportEvent;
    return state.requests === 100;
  }, EVENT_MS, 'the dashboard to count 100 requests');
  const final = (await master.stop()).report!;
  // Load is what a worker says of itself now (lib/events.ts, LoadSeen): an exited worker has none.
  const withoutLoad = (report: ReportEvent) => ({ ...report, workers: report.workers.map(({ load: _load, ...counts }) => counts) });
  t.same(withoutLoad(state!), withoutLoad(final), '/state before the stop equals the report after it, load aside');
  t.ok(state!.workers.every((worker) => worker.load.inFlight === 0 && worker.load.inProgress === 0 && worker.load.utilization < 0.5),
    `idle workers' load, as /state shows it: ${JSON.stringify(state!.workers.map((worker) => worker.load))}`);
  t.ok(final.workers.every((worker) => worker.load.utilization === 0 && worker.load.inFlight === 0), 'exited: no load');
  t.same(state!.slots.map((slot) => slot.pids), pids.map((pid) => [pid]));
});

t.test('/events: a frame twice a second with rates, the herd from /proc and the master\'s log; the page; 404', async (t) => {
  const { port, pids, listening } = await startMaster(t, ['--workers', '2', '--dashboard', '0']);
  const dashboard = listening.dashboard!;
  t.equal((await load(port, 200, 10)).failed, 0);
  const [first, second] = await frames(dashboard, 2);
  t.match(first!.info, { url: listening.url, model: 'shared', transport: 'raw', backlog: 511, node: process.version });
  t.same(second!.herd.workers.map((worker) => worker.pid), pids);
  t.ok(second!.herd.workers.every((worker) => worker.wakeupsPerConnection === null || worker.wakeupsPerConnection > 0),
    'wake-ups per connection, per worker, where it has had connections');
  t.equal(second!.rates.length, 2);
  const page = await get(dashboard);
  t.match(page, { status: 200, type: 'text/html; charset=utf-8' });
  t.match(page.body, /new EventSource\('\/events'\)/);
  t.match(await get(new URL('/nope', dashboard).href), { status: 404 });
});

t.test('a dashboard port in use: one line, exit code 1, no worker left', async (t) => {
  const squatter = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  t.teardown(() => squatter.close());
  const { port } = squatter.address() as net.AddressInfo;
  const master = spawnMaster(t, ['--port', '0', '--dashboard', String(port)]);
  t.equal(await within(master.exited, EVENT_MS, 'the master to exit'), 1);
  t.same(master.stderr, [`handoff: dashboard port ${port} on 127.0.0.1 is already in use`]);
  t.same(workersOf(master.pid), []);
});

t.test('the dashboard stops with the master, and an open page\'s stream ends', async (t) => {
  const { master, listening } = await startMaster(t, ['--workers', '1', '--dashboard', '0']);
  const ended = new Promise<void>((resolve) => http.get(new URL('/events', listening.dashboard!), (response) => {
    response.resume();
    response.on('end', resolve);
  }));
  await master.stop();
  await within(ended, EVENT_MS, 'the page\'s stream to end');
  const refused = await fetch(listening.dashboard!).then(() => false, () => true);
  t.ok(refused, 'nothing listens on the dashboard port any more');
});
