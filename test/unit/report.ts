/**
 * What the master says: the evenness numbers, the report, the live view, the events and their
 * sentences, and the flags it reads (lib/report/, lib/events.ts, lib/master/cli.ts).
 */
import t from 'tap';
import { UsageError } from '../../lib/errors';
import { describeEvent, formatEvent, isNews, type MasterEvent, parseEvent } from '../../lib/events';
import { DEFAULT_BACKLOG, parseMasterArgs, USAGE } from '../../lib/master/cli';
import { LiveView } from '../../lib/report/live';
import { RateMeter } from '../../lib/report/rates';
import { buildReport, formatReport, slotCounts } from '../../lib/report/report';
import { describeDistribution, median, sum } from '../../lib/report/stats';

t.test('the article\'s table', async (t) => {
  const result = describeDistribution([14561, 8329, 2356, 4885]);
  t.equal(result.total, 30131);
  t.equal(result.maxMinRatio.toFixed(3), (14561 / 2356).toFixed(3));
  const sum = 30131;
  const squares = 14561 ** 2 + 8329 ** 2 + 2356 ** 2 + 4885 ** 2;
  t.equal(result.jain, (sum * sum) / (4 * squares));
  t.equal(result.jain.toFixed(3), '0.730', 'the article\'s workers were 73% fair');
  t.equal(result.shares.reduce((a, b) => a + b, 0).toFixed(12), (1).toFixed(12));
  t.same(result.shares.map((share) => share.toFixed(4)), ['0.4833', '0.2764', '0.0782', '0.1621']);
});

t.test('sum: the values added up, 0 for none', async (t) => {
  t.equal(sum([3, 1, 2.5]), 6.5);
  t.equal(sum([]), 0);
});

t.test('the median of runs: the middle one, or the mean of the two middle ones', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.equal(median([7]), 7);
});

t.test('the extremes', async (t) => {
  t.same(describeDistribution([5, 5, 5, 5]), { total: 20, shares: [0.25, 0.25, 0.25, 0.25], maxMinRatio: 1, jain: 1 });
  const oneTookAll = describeDistribution([8, 0, 0, 0]);
  t.equal(oneTookAll.jain, 0.25, '1/n');
  t.equal(oneTookAll.maxMinRatio, Infinity);
  t.same(describeDistribution([0, 0]), { total: 0, shares: [0, 0], maxMinRatio: 1, jain: 1 });
  t.same(describeDistribution([3]), { total: 3, shares: [1], maxMinRatio: 1, jain: 1 });
});

/** A worker's counts, with no moves and nothing open unless the test says otherwise. */
const worker = (slot: number, pid: number, replaced: boolean, connections: number, requests: number) =>
  ({ slot, pid, replaced, connections, requests, received: 0, given: 0, open: 0, load: { inFlight: 0, inProgress: 0, utilization: 0 } });
const WORKERS = [
  worker(0, 101, false, 30, 30),
  worker(1, 102, true, 4, 5),
  worker(1, 103, false, 6, 7),
];

t.test('slots add up the workers that held them, oldest first', async (t) => {
  t.same(slotCounts(WORKERS), [
    { slot: 0, pids: [101], connections: 30, requests: 30, received: 0, given: 0, open: 0 },
    { slot: 1, pids: [102, 103], connections: 10, requests: 12, received: 0, given: 0, open: 0 },
  ]);
  t.same(slotCounts([worker(1, 9, false, 1, 1)]), [{ slot: 1, pids: [9], connections: 1, requests: 1, received: 0, given: 0, open: 0 }],
    'a slot with no worker yet is left out');
  const moving = [{ ...worker(0, 1, false, 8, 20), given: 3, open: 5 }, { ...worker(1, 2, false, 2, 9), received: 3, open: 5 }];
  t.match(slotCounts(moving), [{ given: 3, received: 0, open: 5 }, { given: 0, received: 3, open: 5 }], 'moves and open connections add up too');
});

t.test('the report event: what --json prints at the end, and the dashboard\'s /state', async (t) => {
  const report = buildReport('rr', 'raw', WORKERS);
  t.same(report, {
    type: 'report', model: 'rr', transport: 'raw', slots: slotCounts(WORKERS), workers: WORKERS,
    connections: 40, requests: 42, moves: 0, maxMin: 3, jain: 0.8, openJain: 1,
  });
  t.equal(JSON.parse(JSON.stringify(report)).maxMin, 3);
  const starved = buildReport('shared', 'raw', [worker(0, 1, false, 0, 0),
    worker(1, 2, false, 3, 3)]);
  t.equal(starved.maxMin, null, 'infinite is null in JSON');
});

t.test('moves: counted once, by the receivers; how even the open connections are', async (t) => {
  const report = buildReport('shared', 'raw', [{ ...worker(0, 1, false, 8, 20), given: 3, open: 5 }, { ...worker(1, 2, false, 2, 9), received: 3, open: 5 },
    { ...worker(2, 3, false, 0, 0), open: 0 }]);
  t.match(report, { connections: 10, moves: 3 }, 'a moved connection is one connection, and one move');
  t.equal(report.openJain.toFixed(3), (100 / (3 * 50)).toFixed(3), 'Jain of 5 / 5 / 0 open');
  t.match(formatReport(report), /^3 live connections moved: slot 0 gave 3, received 0; slot 1 gave 0, received 3; slot 2 gave 0, received 0$/m);
  t.notMatch(formatReport(buildReport('rr', 'raw', WORKERS)), /moved/, 'nothing said of moves when there were none');
});

t.test('the report as a person reads it: the article\'s lines, then the summary', async (t) => {
  const text = formatReport(buildReport('rr', 'raw', WORKERS));
  const lines = text.split('\n');
  t.same(lines.slice(0, 3), ['worker 101 got 30 connections', 'worker 102 got 4 connections (replaced)', 'worker 103 got 6 connections']);
  t.match(text, /^total 40 connections, 42 requests, 2 workers \(1 replaced along the way\)$/m);
  t.match(text, /^ {2}slot 0 {2}pid 101 +30 +75\.0% {2}#{40}$/m);
  t.match(text, /^ {2}slot 1 {2}pid 103 +10 +25\.0% {2}#{13}$/m, 'a slot shows the pid that holds it now');
  t.match(text, /^max\/min 3\.00 {2}Jain's index 0\.800$/m);
  t.match(formatReport(buildReport('x', 'raw', [worker(0, 1, false, 0, 0),
    worker(1, 2, false, 3, 3)])), /^max\/min infinite/m);
  t.same(formatReport(buildReport('x', 'raw', [WORKERS[0]!])).split('\n').slice(0, 3),
    ['worker 101 got 30 connections', '', 'total 30 connections, 30 requests, 1 workers'], 'nothing said of replacements when there were none');
});

t.test('a slot shows the worker that holds it, even when a later one did not take over', async (t) => {
  // A rolling restart whose replacement failed: the old worker keeps the slot, the new one is the replaced one.
  const failedRestart = [
    worker(0, 201, false, 5, 5),
    worker(0, 202, true, 0, 0),
  ];
  t.match(formatReport(buildReport('x', 'raw', failedRestart)), /^ {2}slot 0 {2}pid 201 /m);
  const nobodyHolds = [301, 302, 303].map((pid) => worker(0, pid, true, 1, 1));
  t.match(formatReport(buildReport('x', 'raw', nobodyHolds)), /^ {2}slot 0 {2}pid 303 /m, 'with no current worker, the last one');
});

t.test('a frame: one bar per slot, counts, the rate over the last second, the running evenness', async (t) => {
  const view = new LiveView('title');
  const slots = (a: number, b: number) => [{ slot: 0, pid: 11, connections: a }, { slot: 1, pid: 12, connections: b }];
  view.frame(0, slots(0, 0));
  view.frame(500, slots(50, 10));
  const frame = view.frame(1000, slots(100, 20));
  const lines = frame.split('\n');
  t.equal(lines[0], 'title');
  t.match(lines[2], /^slot 0 {2}pid 11 {6}#{40} +100 +100\/s$/);
  t.match(lines[3], /^slot 1 {2}pid 12 {6}#{8} {32} +20 +20\/s$/);
  t.equal(lines[5], 'total 120  120/s  max/min 5.00  Jain\'s index 0.692');
  t.match(view.frame(2500, slots(140, 20), ['handoff: a log line']), /\n\nhandoff: a log line\n$/);
});

t.test('before any connection: empty bars, no division by zero', async (t) => {
  const frame = new LiveView('x').frame(0, [{ slot: 0, pid: 1, connections: 0 }]);
  t.match(frame, /^slot 0 .* 0 +0\/s$/m);
  t.match(frame, /max\/min 1\.00 {2}Jain's index 1\.000/);
  const view = new LiveView('x');
  view.frame(0, [{ slot: 0, pid: 1, connections: 0 }]);
  t.match(view.frame(1000, [{ slot: 0, pid: 1, connections: 0 }, { slot: 1, pid: 2, connections: 3 }]), /max\/min infinite/);
});

t.test('rates: against the newest snapshot at least a second old', async (t) => {
  const meter = new RateMeter();
  t.same(meter.rates(0, [0, 0]), [0, 0], 'the first snapshot has nothing to compare with');
  t.same(meter.rates(500, [50, 10]), [100, 20], 'half a second: against the first');
  t.same(meter.rates(1000, [100, 20]), [100, 20]);
  t.same(meter.rates(1500, [120, 20]), [70, 10], 'a second and a half: against the one at 500 ms');
  t.same(meter.rates(2000, [140, 20]), [40, 0], 'against the one at 1000 ms');
  t.same(meter.rates(2000, [140, 20, 7]), [40, 0, 7], 'a slot that appears later counts from zero');
  const fresh = new RateMeter();
  fresh.rates(5, [3]);
  t.same(fresh.rates(5, [4]), [1000], 'two calls in the same millisecond divide by 1 ms, not by zero');
});

t.test('an event is one JSON line, and reads back as itself', async (t) => {
  const event: MasterEvent = { type: 'worker-exited', slot: 2, pid: 77, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 1500 };
  const line = formatEvent(event);
  t.notMatch(line, /\n/);
  t.same(parseEvent(line), event);
  for (const notAnEvent of ['', 'handoff: worker 2 (pid 77) is ready', '{"no":"type"}', '{"type":3}', '{broken', 'null', '[1]', '"type"', '7']) {
    t.equal(parseEvent(notAnEvent), null, notAnEvent);
  }
});

t.test('what a person reads for each event', async (t) => {
  const cases: Array<[Parameters<typeof describeEvent>[0], string]> = [
    [{ type: 'worker-ready', slot: 1, pid: 9 }, 'slot 1: worker 9 is ready'],
    [{ type: 'worker-exited', slot: 1, pid: 9, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 5 },
      'slot 1: worker 9 exited with signal SIGKILL; forking a replacement'],
    [{ type: 'worker-exited', slot: 0, pid: 9, code: 1, signal: null, restartInMs: 400, livedMs: 120 },
      'slot 0: worker 9 exited with code 1; forking a replacement in 400 ms (it died 120 ms after its start: a crash loop is slowed down)'],
    [{ type: 'worker-exited', slot: 0, pid: 9, code: 0, signal: null, restartInMs: null, livedMs: 120 }, 'slot 0: worker 9 exited with code 0'],
    [{ type: 'worker-listen-failed', slot: 2, pid: 9, code: 'EACCES' }, 'slot 2: worker 9 could not listen: EACCES'],
    [{ type: 'restart-started' }, 'SIGHUP: rolling restart, one worker at a time'],
    [{ type: 'restart-step', slot: 0, pid: 10, draining: 9 }, 'slot 0: worker 10 serving, draining worker 9'],
    [{ type: 'restart-done', pids: [10, 11] }, 'rolling restart done; worker pids 10 11'],
    [{ type: 'restart-abandoned', slot: 3, pid: 12 }, 'slot 3: the replacement, worker 12, did not start; restart abandoned'],
    [{ type: 'drain-timeout', slot: 0, pid: 9, drainTimeoutMs: 300 }, 'slot 0: worker 9 did not drain in 300 ms; killing it'],
    [{ type: 'stopping', signal: 'SIGTERM', ready: true }, 'SIGTERM: draining the workers'],
    [{ type: 'stopping', signal: 'SIGINT', ready: false }, 'SIGINT before every worker was ready; stopping them'],
    [{ type: 'retiring', slot: 2, pid: 9, to: 10 }, 'slot 2: worker 9 hands its live connections to worker 10'],
    [{ type: 'moved', from: 0, to: 3, fromPid: 8, toPid: 9, bytes: 17 }, 'slot 0 → slot 3: a live connection moved, carrying 17 bytes'],
    [{ type: 'move-failed', from: 1, fromPid: 9, reason: 'no worker takes connections' },
      'slot 1: a connection worker 9 gave back could not move (no worker takes connections); closed'],
    [{ type: 'warning', message: 'careful' }, 'careful'],
    [{ type: 'error', code: 'EADDRINUSE', message: 'port 1 on 127.0.0.1 is already in use' }, 'port 1 on 127.0.0.1 is already in use'],
  ];
  for (const [event, sentence] of cases) t.equal(describeEvent(event), sentence, event.type);
});

t.test('news: what a person hears of as it happens', async (t) => {
  t.equal(isNews({ type: 'worker-ready', slot: 1, pid: 9 }), true);
  t.equal(isNews({ type: 'worker-exited', slot: 1, pid: 9, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 5 }), true,
    'a worker that died and is replaced');
  t.equal(isNews({ type: 'worker-exited', slot: 1, pid: 9, code: 0, signal: null, restartInMs: null, livedMs: 5 }), false,
    'a worker that exited because it was told to');
  t.equal(isNews({ type: 'moved', from: 0, to: 1, fromPid: 8, toPid: 9, bytes: 0 }), false, 'each move is counted, not told');
  t.equal(isNews({ type: 'move-failed', from: 1, fromPid: 9, reason: 'x' }), true);
});

const DEFAULTS = {
  workers: 4, port: 3000, host: '127.0.0.1', backlog: 511, model: 'shared', transport: 'raw', headTimeoutMs: 10000,
  idleTimeoutMs: 5000, drainTimeoutMs: 10000, allowCrash: false, live: false, json: false, dashboard: null, printConfig: false,
  rebalance: null, restartCloses: false, scheduler: null, nginxBalance: 'round-robin',
};

t.test('defaults: the article\'s four workers on port 3000, loopback only, the raw transport', async (t) => {
  t.same(parseMasterArgs([]), DEFAULTS);
  t.equal(DEFAULT_BACKLOG, 511);
});

t.test('flags', async (t) => {
  t.same(parseMasterArgs(['--workers', '2', '--port', '0', '--host', '0.0.0.0', '--backlog', '0', '--transport', 'socket',
    '--head-timeout', '300', '--idle-timeout', '400', '--drain-timeout', '500', '--allow-crash', '--live', '--dashboard', '8080']),
  {
    ...DEFAULTS, workers: 2, port: 0, host: '0.0.0.0', backlog: 0, transport: 'socket', headTimeoutMs: 300, idleTimeoutMs: 400,
    drainTimeoutMs: 500, allowCrash: true, live: true, dashboard: 8080,
  });
  t.equal(parseMasterArgs(['--model', 'rr', '--print-config'])?.printConfig, true);
  t.equal(parseMasterArgs(['--model', 'rr-pipelined'])?.model, 'rr-pipelined');
  t.equal(parseMasterArgs(['--json'])?.json, true);
  t.equal(parseMasterArgs(['--dashboard', '0'])?.dashboard, 0);
  t.equal(parseMasterArgs(['--host', '::1'])?.host, '::1');
  t.equal(parseMasterArgs(['--help']), null);
  t.match(USAGE, /--backlog B/);
  t.match(USAGE, /--transport T/);
  t.same(parseMasterArgs(['--rebalance'])?.rebalance, { aboveMeanPercent: 5, movesPerSecond: 200 });
  t.same(parseMasterArgs(['--rebalance', '--rebalance-above', '20', '--moves-per-second', '50'])?.rebalance, { aboveMeanPercent: 20, movesPerSecond: 50 });
  t.equal(parseMasterArgs(['--restart-closes'])?.restartCloses, true);
  t.equal(parseMasterArgs(['--model', 'nginx', '--nginx-balance', 'least-conn'])?.nginxBalance, 'least-conn');
});

t.test('bad flags are one readable line', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--workers', '0'], /^--workers must be a whole number from 1 to 64, not '0'$/],
    [['--workers', '65'], /^--workers must be a whole number from 1 to 64, not '65'$/],
    [['--workers', '2.5'], /^--workers must be/],
    [['--port', '70000'], /^--port must be a whole number from 0 to 65535/],
    [['--port', '-1'], /port/],
    [['--drain-timeout', '0'], /^--drain-timeout must be a whole number from 1/],
    [['--head-timeout', '3600001'], /^--head-timeout must be a whole number from 1 to 3600000/],
    [['--dashboard', 'x'], /^--dashboard must be a whole number from 0 to 65535, not 'x'$/],
    [['--host', 'localhost'], /^--host must be an IP address, not 'localhost'$/],
    [['--model', 'magic'], /^--model must be one of shared, rr, rr-free, rr-pipelined, least-loaded, reuseport, nginx, cluster-rr, cluster-none, not 'magic'$/],
    [['--transport', 'pigeon'], /^--transport must be one of raw, socket, not 'pigeon'$/],
    [['--live', '--json'], /^--live draws for people and --json writes for programs: pick one$/],
    [['--rebalance', '--model', 'nginx'], /^--rebalance moves the connections clients hold to the workers; with --model nginx/],
    [['--rebalance', '--rebalance-above', '0'], /^--rebalance-above must be a whole number from 1 to 1000, not '0'$/],
    [['--rebalance', '--moves-per-second', 'lots'], /^--moves-per-second must be a whole number from 1 to 100000, not 'lots'$/],
    [['--nope'], /Unknown option '--nope'/],
    [['--model', 'nginx', '--nginx-balance', 'random'], /^--nginx-balance must be one of round-robin, least-conn, not 'random'$/],
    [['--nginx-balance', 'least-conn'], /^--nginx-balance is how nginx chooses a worker: it needs --model nginx, not shared$/],
  ];
  for (const [argv, message] of cases) t.throws(() => parseMasterArgs(argv), { constructor: UsageError, message }, argv.join(' '));
});
