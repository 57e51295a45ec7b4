import t from 'tap';
import { describeDistribution } from '../lib/stats';
import { formatReport } from '../lib/report';

t.test('the article\'s table', async (t) => {
  const result = describeDistribution([14561, 8329, 2356, 4885]);
  t.equal(result.total, 30131);
  t.equal(result.maxMinRatio.toFixed(3), (14561 / 2356).toFixed(3));
  const sum = 30131;
  const squares = 14561 ** 2 + 8329 ** 2 + 2356 ** 2 + 4885 ** 2;
  t.equal(result.jain, (sum * sum) / (4 * squares));
  t.equal(result.jain.toFixed(3), '0.730', 'the article\'s workers were 73% fair');
  t.equal(result.shares.reduce((a, b) => a + b, 0).toFixed(12), (1).toFixed(12));
});

t.test('the extremes', async (t) => {
  t.same(describeDistribution([5, 5, 5, 5]), { total: 20, shares: [0.25, 0.25, 0.25, 0.25], maxMinRatio: 1, jain: 1 });
  const oneTookAll = describeDistribution([8, 0, 0, 0]);
  t.equal(oneTookAll.jain, 0.25, '1/n');
  t.equal(oneTookAll.maxMinRatio, Infinity);
  t.same(describeDistribution([0, 0]), { total: 0, shares: [0, 0], maxMinRatio: 1, jain: 1 });
});

t.test('the report: the article\'s lines, then the summary', async (t) => {
  const text = formatReport([
    { index: 0, pid: 101, replaced: false, connections: 30, requests: 30, acceptErrors: 0 },
    { index: 1, pid: 102, replaced: false, connections: 10, requests: 12, acceptErrors: 2 },
  ]);
  const lines = text.split('\n');
  t.same(lines.slice(0, 2), ['worker 101 got 30 connections', 'worker 102 got 10 connections']);
  t.match(text, /^total 40 connections, 42 requests, 2 workers, 2 failed accepts$/m);
  t.match(text, /^ {2}worker 0 {2}pid 101 +30 +75\.0% {2}#{40}$/m);
  t.match(text, /^ {2}worker 1 {2}pid 102 +10 +25\.0% {2}#{13}$/m);
  t.match(text, /^max\/min 3\.00 {2}Jain's index 0\.800$/m);
  t.match(formatReport([{ index: 0, pid: 1, replaced: false, connections: 0, requests: 0, acceptErrors: 0 },
    { index: 1, pid: 2, replaced: false, connections: 3, requests: 3, acceptErrors: 0 }]), /^max\/min infinite/m);
});

t.test('a replaced worker keeps its count, under its slot', async (t) => {
  const text = formatReport([
    { index: 0, pid: 101, replaced: true, connections: 7, requests: 7, acceptErrors: 0 },
    { index: 1, pid: 102, replaced: false, connections: 10, requests: 10, acceptErrors: 0 },
    { index: 0, pid: 103, replaced: false, connections: 3, requests: 3, acceptErrors: 0 },
  ]);
  t.same(text.split('\n').slice(0, 3),
    ['worker 101 got 7 connections (replaced)', 'worker 102 got 10 connections', 'worker 103 got 3 connections']);
  t.match(text, /^total 20 connections, 20 requests, 2 workers \(1 replaced along the way\)$/m);
  t.match(text, /^ {2}worker 0 {2}pid 103 +10 +50\.0%/m);
  t.match(text, /^max\/min 1\.00 {2}Jain's index 1\.000$/m);
});
