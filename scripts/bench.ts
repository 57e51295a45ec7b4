/**
 * scripts/bench.ts — `npm run bench -- [--quick] [--runs 3] [-n 5000] [--out bench]`
 *   [--targets shared,rr,...] [--workers 2,4,8] [-c 1,10,100] [--keep-alive no|yes|both]
 *
 * Every model, and two baselines (nginx `return 200`, cluster + http), across concurrency 1/10/100,
 * keep-alive off/on and 2/4/8 workers, each cell --runs times (lib/bench.ts). Writes into --out:
 *   results.json   every run, with the machine, the Node version and the settings;
 *   results.md     medians per cell: req/s, p99, max/min, Jain, wake-ups and failed accepts per connection;
 *   *.svg          the distribution per model, and throughput and p99 per target;
 * and prints the markdown and the target ratios. --quick is the small matrix CI runs (under a minute):
 * 4 workers, -c 100, no keep-alive, one run each.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { hasAb } from '../lib/ab';
import { nodeForTarget, runCell, type Cell, type CellRun } from '../lib/bench';
import { perfProblem } from '../lib/herd';
import { modelNames } from '../lib/models';
import { barChart } from '../lib/svg';

const BASELINES = ['nginx-return-200', 'cluster-http'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}


function cells(workerCounts: number[], concurrencies: number[], keepAlives: boolean[], targets: string[]): Cell[] {
  const all: Cell[] = [];
  for (const workers of workerCounts) for (const concurrency of concurrencies) for (const keepAlive of keepAlives) {
    for (const target of targets) all.push({ target, workers, concurrency, keepAlive });
  }
  return all;
}

const fixed = (value: number | null, digits: number) => (value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));

interface Summary extends Cell {
  node: string;
  requestsPerSecond: number;
  p99Ms: number;
  failed: number;
  maxMin: number | null;
  jain: number | null;
  wakeups: number | null;
  failedAccepts: number | null;
  counts: number[] | null;
}

function summarise(runs: CellRun[], node: string): Summary {
  const pick = (get: (run: CellRun) => number | null) => {
    const values = runs.map(get).filter((value): value is number => value !== null);
    return values.length ? median(values) : null;
  };
  const middle = [...runs].sort((a, b) => a.client.requestsPerSecond - b.client.requestsPerSecond)[Math.floor(runs.length / 2)]!;
  return {
    target: middle.target, node, workers: middle.workers, concurrency: middle.concurrency, keepAlive: middle.keepAlive,
    requestsPerSecond: pick((run) => run.client.requestsPerSecond)!, p99Ms: pick((run) => run.client.p99Ms)!,
    failed: runs.reduce((sum, run) => sum + run.client.failed, 0),
    maxMin: pick((run) => run.maxMin), jain: pick((run) => run.jain),
    wakeups: pick((run) => run.wakeupsPerConnection), failedAccepts: pick((run) => run.failedAcceptsPerConnection),
    counts: middle.counts,
  };
}

function markdown(summaries: Summary[]): string {
  const lines = ['| target | node | workers | -c | keep-alive | req/s | p99 ms | failed | max/min | Jain | wake-ups/conn | EAGAIN accepts/conn |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const row of summaries) {
    lines.push(`| ${row.target} | ${row.node} | ${row.workers} | ${row.concurrency} | ${row.keepAlive ? 'yes' : 'no'} | ${Math.round(row.requestsPerSecond)} | ` +
      `${fixed(row.p99Ms, 0)} | ${row.failed} | ${fixed(row.maxMin, 2)} | ${fixed(row.jain, 3)} | ${fixed(row.wakeups, 2)} | ${fixed(row.failedAccepts, 3)} |`);
  }
  return lines.join('\n');
}

/** The issue's targets, as ratios from this one run (4 workers, -c 100, no keep-alive). */
function targets(summaries: Summary[]): string[] {
  const rate = (target: string) => summaries.find((row) => row.target === target && row.workers === 4 &&
    row.concurrency === 100 && !row.keepAlive)?.requestsPerSecond;
  const check = (label: string, numerator: string, denominator: string, goal: number) => {
    const top = rate(numerator);
    const bottom = rate(denominator);
    if (!top || !bottom) return `${label}: not measured (${!top ? numerator : denominator} did not run)`;
    const ratio = top / bottom;
    return `${label}: ${ratio.toFixed(2)} (target >= ${goal}) ${ratio >= goal ? 'met' : `MISSED by ${((goal - ratio) / goal * 100).toFixed(0)}%`}`;
  };
  return [
    check('shared / nginx return 200', 'shared', 'nginx-return-200', 0.85),
    check('rr / cluster-rr', 'rr', 'cluster-rr', 1.3),
    check('reuseport / shared', 'reuseport', 'shared', 1),
  ];
}

function charts(summaries: Summary[], out: string): void {
  const main = summaries.filter((row) => row.workers === 4 && row.concurrency === 100 && !row.keepAlive);
  const split = main.filter((row) => row.counts);
  writeFileSync(path.join(out, 'distribution.svg'), barChart('Share of connections per worker (4 workers, ab -c100, one connection per request)',
    split.map((row) => ({ label: row.target, values: row.counts! })),
    (counts) => `${counts.join(' / ')}  max/min ${(Math.max(...counts) / Math.min(...counts)).toFixed(2)}`));
  writeFileSync(path.join(out, 'throughput.svg'), barChart('Requests per second (4 workers, -c100, no keep-alive; median)',
    main.map((row) => ({ label: row.target, values: [row.requestsPerSecond] })), ([value]) => `${Math.round(value!)} req/s`));
  writeFileSync(path.join(out, 'p99.svg'), barChart('p99 latency, ms (4 workers, -c100, no keep-alive; median)',
    main.map((row) => ({ label: row.target, values: [row.p99Ms] })), ([value]) => `${value} ms`));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      n: { type: 'string', short: 'n' },
      out: { type: 'string', default: 'bench' },
      targets: { type: 'string' },
      workers: { type: 'string' },
      c: { type: 'string', short: 'c' },
      'keep-alive': { type: 'string' },
    },
  });
  const list = (text: string | undefined, full: string) => (text ?? full).split(',').map(Number);
  const quick = values.quick;
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  const requests = Number(values.n ?? (quick ? 2000 : 5000));
  const wanted = values.targets?.split(',') ?? (quick ? ['shared', 'rr', 'reuseport', 'cluster-rr', ...BASELINES] : [...modelNames, ...BASELINES]);
  const useAb = hasAb();
  const perf = perfProblem();
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', kernel: os.release(), memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  console.log(`bench: ${machine.cores} cores, Linux ${machine.kernel}, Node ${process.version}; load from ${useAb ? 'ab' : 'the built-in tool (ab not installed)'}; ` +
    `${runs} run(s) of ${requests} requests per cell${perf ? `; ${perf}` : ''}`);

  const results: CellRun[] = [];
  const summaries: Summary[] = [];
  const keepAlive = values['keep-alive'] ?? (quick ? 'no' : 'both');
  const matrix = cells(list(values.workers, quick ? '4' : '2,4,8'), list(values.c, quick ? '100' : '1,10,100'),
    keepAlive === 'both' ? [false, true] : [keepAlive === 'yes'], wanted);
  for (const cell of matrix) {
    const node = nodeForTarget(cell.target);
    if (!node) {
      console.log(`  ${cell.target}: skipped, needs Node >= 22.12 (set HANDOFF_NODE24 to a newer node)`);
      continue;
    }
    const cellRuns: CellRun[] = [];
    for (let run = 0; run < runs; run++) cellRuns.push(await runCell(cell, requests, node, useAb));
    results.push(...cellRuns);
    const version = node === process.execPath ? process.version : spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
    const summary = summarise(cellRuns, version);
    summaries.push(summary);
    console.log(`  ${cell.target} w${cell.workers} c${cell.concurrency}${cell.keepAlive ? ' -k' : ''}: ${Math.round(summary.requestsPerSecond)} req/s, ` +
      `p99 ${summary.p99Ms} ms, failed ${summary.failed}, Jain ${fixed(summary.jain, 3)}, wake-ups/conn ${fixed(summary.wakeups, 2)}`);
  }

  mkdirSync(values.out, { recursive: true });
  const table = markdown(summaries);
  const ratios = targets(summaries);
  writeFileSync(path.join(values.out, 'results.json'), JSON.stringify({
    date: new Date().toISOString(), machine, node: process.version, loadGenerator: useAb ? 'ab' : 'built-in', perf: perf ?? 'counted',
    settings: { quick, runs, requests }, targets: ratios, runs: results,
  }, null, 2));
  writeFileSync(path.join(values.out, 'results.md'), `${table}\n\n${ratios.map((line) => `- ${line}`).join('\n')}\n`);
  charts(summaries, values.out);
  console.log(`\n${table}\n\n${ratios.join('\n')}\n\nwritten to ${values.out}/ (results.json, results.md, distribution.svg, throughput.svg, p99.svg)`);
  // A cell with failed requests, or none served, is a broken target, not a slow one.
  const broken = summaries.filter((row) => row.failed > 0 || !(row.requestsPerSecond > 0));
  if (broken.length > 0) {
    console.error(`bench: failures in ${broken.map((row) => `${row.target} w${row.workers} c${row.concurrency}${row.keepAlive ? ' -k' : ''}`).join(', ')}`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
