import t from 'tap';
import { describeDistribution } from '../lib/report/stats';
import { buildReport, formatReport, slotCounts } from '../lib/report/report';

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

t.test('the extremes', async (t) => {
  t.same(describeDistribution([5, 5, 5, 5]), { total: 20, shares: [0.25, 0.25, 0.25, 0.25], maxMinRatio: 1, jain: 1 });
  const oneTookAll = describeDistribution([8, 0, 0, 0]);
  t.equal(oneTookAll.jain, 0.25, '1/n');
  t.equal(oneTookAll.maxMinRatio, Infinity);
  t.same(describeDistribution([0, 0]), { total: 0, shares: [0, 0], maxMinRatio: 1, jain: 1 });
  t.same(describeDistribution([3]), { total: 3, shares: [1], maxMinRatio: 1, jain: 1 });
});

const WORKERS = [
  { slot: 0, pid: 101, replaced: false, connections: 30, requests: 30 },
  { slot: 1, pid: 102, replaced: true, connections: 4, requests: 5 },
  { slot: 1, pid: 103, replaced: false, connections: 6, requests: 7 },
];

t.test('slots add up the workers that held them, oldest first', async (t) => {
  t.same(slotCounts(WORKERS), [
    { slot: 0, pids: [101], connections: 30, requests: 30 },
    { slot: 1, pids: [102, 103], connections: 10, requests: 12 },
  ]);
  t.same(slotCounts([{ slot: 1, pid: 9, replaced: false, connections: 1, requests: 1 }]), [{ slot: 1, pids: [9], connections: 1, requests: 1 }],
    'a slot with no worker yet is left out');
});

t.test('the report event: what --json prints at the end, and the dashboard\'s /state', async (t) => {
  const report = buildReport('rr', 'raw', WORKERS);
  t.same(report, {
    type: 'report', model: 'rr', transport: 'raw', slots: slotCounts(WORKERS), workers: WORKERS,
    connections: 40, requests: 42, maxMin: 3, jain: 0.8,
  });
  t.equal(JSON.parse(JSON.stringify(report)).maxMin, 3);
  const starved = buildReport('shared', 'raw', [{ slot: 0, pid: 1, replaced: false, connections: 0, requests: 0 },
    { slot: 1, pid: 2, replaced: false, connections: 3, requests: 3 }]);
  t.equal(starved.maxMin, null, 'infinite is null in JSON');
});

t.test('the report as a person reads it: the article\'s lines, then the summary', async (t) => {
  const text = formatReport(buildReport('rr', 'raw', WORKERS));
  const lines = text.split('\n');
  t.same(lines.slice(0, 3), ['worker 101 got 30 connections', 'worker 102 got 4 connections (replaced)', 'worker 103 got 6 connections']);
  t.match(text, /^total 40 connections, 42 requests, 2 workers \(1 replaced along the way\)$/m);
  t.match(text, /^ {2}worker 0 {2}pid 101 +30 +75\.0% {2}#{40}$/m);
  t.match(text, /^ {2}worker 1 {2}pid 103 +10 +25\.0% {2}#{13}$/m, 'a slot shows the pid that holds it now');
  t.match(text, /^max\/min 3\.00 {2}Jain's index 0\.800$/m);
  t.match(formatReport(buildReport('x', 'raw', [{ slot: 0, pid: 1, replaced: false, connections: 0, requests: 0 },
    { slot: 1, pid: 2, replaced: false, connections: 3, requests: 3 }])), /^max\/min infinite/m);
  t.same(formatReport(buildReport('x', 'raw', [WORKERS[0]!])).split('\n').slice(0, 3),
    ['worker 101 got 30 connections', '', 'total 30 connections, 30 requests, 1 workers'], 'nothing said of replacements when there were none');
});

t.test('a slot shows the worker that holds it, even when a later one did not take over', async (t) => {
  // A rolling restart whose replacement failed: the old worker keeps the slot, the new one is the replaced one.
  const failedRestart = [
    { slot: 0, pid: 201, replaced: false, connections: 5, requests: 5 },
    { slot: 0, pid: 202, replaced: true, connections: 0, requests: 0 },
  ];
  t.match(formatReport(buildReport('x', 'raw', failedRestart)), /^ {2}worker 0 {2}pid 201 /m);
  const nobodyHolds = [301, 302, 303].map((pid) => ({ slot: 0, pid, replaced: true, connections: 1, requests: 1 }));
  t.match(formatReport(buildReport('x', 'raw', nobodyHolds)), /^ {2}worker 0 {2}pid 303 /m, 'with no current worker, the last one');
});
