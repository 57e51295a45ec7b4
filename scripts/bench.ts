/**
 * scripts/bench.ts — `npm run bench -- [--quick] [--runs 3] [-n 5000] [--out bench] [--targets shared,rr,...]
 *   [--transports raw,socket] [--workers 2,4,8] [-c 1,10,100] [--keep-alive no|yes|both] [--perf]`
 *   `npm run bench -- --scenario long-lived [--runs 3] [--targets ...] [--out bench/long-lived]`: tools/measure/long-lived.ts
 *   `npm run bench -- --scenario uneven [--runs 3] [--targets ...] [--schedulers a.js,...] [--out bench/uneven]`: tools/measure/uneven.ts
 *
 * Every model on each transport, and three baselines (nginx `return 200`, the article's own code, cluster
 * + http), across concurrency, keep-alive and worker counts (tools/measure/bench.ts). Runs are interleaved:
 * round 1 runs every cell once, then round 2, ..., so a slow minute on a shared machine lands on every
 * target alike, and each figure is the median of its cell's runs. --perf adds one more round that counts
 * failed accept4() calls under perf; it gives no CPU figure (tools/measure/bench.ts says why). Writes into --out:
 *   results.json   every run, with the machine, the Node version and the settings;
 *   results.md     medians per cell: req/s, CPU µs per request, p99, max/min, Jain, wake-ups and failed accepts;
 *   *.svg          the split per model, req/s, CPU per request and p99 per target (4 workers, -c100), and
 *                  req/s and CPU per request against concurrency, one line per target;
 * and prints the markdown and the target ratios. --quick is the small matrix CI runs (about a minute),
 * written to .bench/quick/ unless --out says otherwise, so it never replaces the committed full run.
 * `--replot DIR` reads DIR/results.json again and rewrites results.md and the charts, measuring nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseTransport, transportNames, type TransportName } from '../lib/http/transports';
import { hasAb } from '../tools/measure/ab';
import { BASELINES, cellName, nodeForTarget, runCell, type Cell, type CellRun } from '../tools/measure/bench';
import { barChart, lineChart } from '../tools/measure/charts';
import { perfProblem } from '../tools/measure/herd';
import { modelNames } from '../lib/models/names';
import { ROOT } from '../lib/os/paths';
import { median } from '../lib/report/stats';
import { longLivedCells, runLongLived, writeLongLived, type LongLivedRun } from '../tools/measure/long-lived';
import { MASTER_ACCEPTS, runMasterShare, runUneven, unevenCells, type MasterShareRun, type UnevenRun } from '../tools/measure/uneven';
import { writeUneven } from '../tools/measure/uneven-report';

const isBaseline = (target: string) => (BASELINES as readonly string[]).includes(target);

function matrix(targets: string[], transports: TransportName[], workerCounts: number[], concurrencies: number[], keepAlives: boolean[]): Cell[] {
  const cells: Cell[] = [];
  for (const workers of workerCounts) for (const concurrency of concurrencies) for (const keepAlive of keepAlives) {
    for (const target of targets) {
      for (const transport of isBaseline(target) ? [null] : transports) cells.push({ target, transport, workers, concurrency, keepAlive });
    }
  }
  return cells;
}

const fixed = (value: number | null, digits: number) => (value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));

interface Summary extends Cell {
  name: string;
  node: string;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number | null;
  p99Ms: number;
  failed: number;
  maxMin: number | null;
  jain: number | null;
  wakeups: number | null;
  failedAccepts: number | null;
  counts: number[] | null;
}

function summarise(cell: Cell, runs: CellRun[], node: string): Summary {
  const pick = (get: (run: CellRun) => number | null) => {
    const values = runs.map(get).filter((value): value is number => value !== null);
    return values.length ? median(values) : null;
  };
  const middle = [...runs].sort((a, b) => a.client.requestsPerSecond - b.client.requestsPerSecond)[Math.floor(runs.length / 2)]!;
  return {
    ...cell, name: cellName(cell), node,
    requestsPerSecond: pick((run) => run.client.requestsPerSecond)!, cpuMicrosPerRequest: pick((run) => run.cpuMicrosPerRequest),
    p99Ms: pick((run) => run.client.p99Ms)!, failed: runs.reduce((sum, run) => sum + run.client.failed, 0),
    maxMin: pick((run) => run.maxMin), jain: pick((run) => run.jain),
    wakeups: pick((run) => run.wakeupsPerConnection), failedAccepts: pick((run) => run.failedAcceptsPerConnection),
    counts: middle.counts,
  };
}

function markdown(summaries: Summary[]): string {
  const lines = ['| target | node | workers | -c | keep-alive | req/s | CPU µs/req | p99 ms | failed | max/min | Jain | wake-ups/conn | EAGAIN accepts/conn |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const row of summaries) {
    lines.push(`| ${row.name} | ${row.node} | ${row.workers} | ${row.concurrency} | ${row.keepAlive ? 'yes' : 'no'} | ` +
      `${Math.round(row.requestsPerSecond)} | ${fixed(row.cpuMicrosPerRequest, 1)} | ${fixed(row.p99Ms, 0)} | ${row.failed} | ` +
      `${fixed(row.maxMin, 2)} | ${fixed(row.jain, 3)} | ${fixed(row.wakeups, 2)} | ${fixed(row.failedAccepts, 3)} |`);
  }
  return lines.join('\n');
}

/** The main comparison: 4 workers, -c 100, a connection per request. */
const isMain = (row: Cell) => row.workers === 4 && row.concurrency === 100 && !row.keepAlive;

/** The issue's targets, as ratios from this one run. */
function targets(summaries: Summary[]): string[] {
  const main = (name: string) => summaries.find((row) => row.name === name && isMain(row));
  const check = (label: string, numerator: string, denominator: string, field: 'requestsPerSecond' | 'cpuMicrosPerRequest', goal: number, atMost: boolean) => {
    const top = main(numerator)?.[field];
    const bottom = main(denominator)?.[field];
    if (!top || !bottom) return `${label}: not measured (${!top ? numerator : denominator} did not run)`;
    const ratio = top / bottom;
    const met = atMost ? ratio <= goal : ratio >= goal;
    return `${label}: ${ratio.toFixed(2)} (target ${atMost ? '<=' : '>='} ${goal}) ${met ? 'met' : 'MISSED'}`;
  };
  return [
    check('shared CPU per request / article\'s', 'shared', 'article', 'cpuMicrosPerRequest', 0.75, true),
    check('shared req/s / nginx return 200', 'shared', 'nginx-return-200', 'requestsPerSecond', 0.9, false),
    check('rr-pipelined CPU per request / cluster-rr\'s', 'rr-pipelined', 'cluster-rr', 'cpuMicrosPerRequest', 0.6, true),
    check('rr-pipelined req/s / cluster-rr', 'rr-pipelined', 'cluster-rr', 'requestsPerSecond', 1.4, false),
    check('reuseport CPU per request / shared\'s', 'reuseport', 'shared', 'cpuMicrosPerRequest', 1, true),
  ];
}

function charts(summaries: Summary[], out: string): string[] {
  const main = summaries.filter(isMain);
  const bars = (title: string, pick: (row: Summary) => number | null, unit: string) => barChart(title,
    main.filter((row) => pick(row) !== null).map((row) => ({ label: row.name, values: [pick(row)!] })),
    ([value]) => `${fixed(value!, value! < 100 ? 1 : 0)} ${unit}`);
  const files: Record<string, string> = {
    'distribution.svg': barChart('Share of connections per worker (4 workers, ab -c100, one connection per request)',
      main.filter((row) => row.counts).map((row) => ({ label: row.name, values: row.counts! })),
      (counts) => `${counts.join(' / ')}  max/min ${(Math.max(...counts) / Math.min(...counts)).toFixed(2)}`),
    'throughput.svg': bars('Requests per second (4 workers, -c100, no keep-alive; median)', (row) => row.requestsPerSecond, 'req/s'),
    'cpu.svg': bars('Server CPU per request, µs (every process of the server; 4 workers, -c100; median)', (row) => row.cpuMicrosPerRequest, 'µs'),
    'p99.svg': bars('p99 latency, ms (4 workers, -c100, no keep-alive; median)', (row) => row.p99Ms, 'ms'),
  };
  const byConcurrency = summaries.filter((row) => row.workers === 4 && !row.keepAlive);
  const concurrencies = [...new Set(byConcurrency.map((row) => row.concurrency))].sort((a, b) => a - b);
  if (concurrencies.length > 1) {
    const cellsByName = new Map(byConcurrency.map((row) => [row.name, row]));
    const series = (pick: (row: Summary) => number | null) => [...cellsByName.values()].map((named) => ({
      label: named.name, group: named.target, dashed: named.transport === 'socket',
      values: concurrencies.map((c) => {
        const row = byConcurrency.find((each) => each.name === named.name && each.concurrency === c);
        return row ? pick(row) : null;
      }),
    }));
    files['throughput-by-concurrency.svg'] = lineChart('Requests per second against concurrency (4 workers, a connection per request; ' +
      'median; dashed: the socket transport)', 'ab -c', 'req/s', concurrencies, series((row) => row.requestsPerSecond));
    files['cpu-by-concurrency.svg'] = lineChart('Server CPU per request against concurrency (4 workers, a connection per request; ' +
      'median; dashed: the socket transport)', 'ab -c', 'µs per request', concurrencies, series((row) => row.cpuMicrosPerRequest));
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(out, name), content);
  return Object.keys(files);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      n: { type: 'string', short: 'n' },
      out: { type: 'string' },
      targets: { type: 'string' },
      transports: { type: 'string' },
      workers: { type: 'string' },
      c: { type: 'string', short: 'c' },
      'keep-alive': { type: 'string' },
      perf: { type: 'boolean', default: false },
      replot: { type: 'string' },
      scenario: { type: 'string' },
      schedulers: { type: 'string' },
    },
  });
  if (values.replot && values.scenario === 'long-lived') return replotLongLived(values.replot);
  if (values.replot && values.scenario === 'uneven') return replotUneven(values.replot);
  if (values.scenario === 'uneven') {
    return uneven(values.out ?? path.join(ROOT, 'bench/uneven'), Number(values.runs ?? 3), values.targets?.split(','), values.schedulers?.split(','));
  }
  if (values.replot) return replot(values.replot);
  if (values.scenario === 'long-lived') return longLived(values.out ?? path.join(ROOT, 'bench/long-lived'), Number(values.runs ?? 3), values.targets?.split(','));
  if (values.scenario !== undefined) throw new Error(`--scenario must be long-lived or uneven, not '${values.scenario}'`);
  const list = (text: string | undefined, full: string) => (text ?? full).split(',').map(Number);
  const quick = values.quick;
  const out = values.out ?? path.join(ROOT, quick ? '.bench/quick' : 'bench');
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  const requests = Number(values.n ?? (quick ? 2000 : 5000));
  const wanted = values.targets?.split(',') ?? (quick ? ['shared', 'rr', 'rr-pipelined', 'reuseport', 'cluster-rr', ...BASELINES] : [...modelNames, ...BASELINES]);
  const transports = (values.transports?.split(',') ?? (quick ? ['raw'] : [...transportNames])).map((name) => parseTransport(name, '--transports'));
  const useAb = hasAb();
  const perf = values.perf ? perfProblem() : 'failed accepts not counted (--perf counts them)';
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', kernel: os.release(), memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  console.log(`bench: ${machine.cores} cores, Linux ${machine.kernel}, Node ${process.version}; load from ${useAb ? 'ab' : 'the built-in tool (ab not installed)'}; ` +
    `${runs} interleaved round(s) of ${requests} requests per cell${perf ? `; ${perf}` : ''}`);

  const keepAlive = values['keep-alive'] ?? (quick ? 'no' : 'both');
  const cells = matrix(wanted, transports, list(values.workers, quick ? '4' : '2,4,8'), list(values.c, quick ? '100' : '1,10,100'),
    keepAlive === 'both' ? [false, true] : [keepAlive === 'yes']).filter((cell) => {
    if (nodeForTarget(cell.target)) return true;
    console.log(`  ${cellName(cell)}: skipped, needs Node >= 22.12 (set HANDOFF_REUSEPORT_NODE to a newer node)`);
    return false;
  });
  const runsByCell = cells.map((): CellRun[] => []);
  const rounds = runs + (perf === null ? 1 : 0);
  for (let round = 1; round <= rounds; round++) {
    const countFailedAccepts = round > runs;
    for (const [at, cell] of cells.entries()) {
      const run = await runCell(cell, requests, nodeForTarget(cell.target)!, useAb, countFailedAccepts);
      runsByCell[at]!.push(run);
      console.log(`  round ${round}${countFailedAccepts ? ' (perf)' : ''}: ${cellName(cell)} w${cell.workers} c${cell.concurrency}` +
        `${cell.keepAlive ? ' -k' : ''}: ${Math.round(run.client.requestsPerSecond)} req/s, ` +
        `${countFailedAccepts ? `${fixed(run.failedAcceptsPerConnection, 3)} failed accepts/conn` : `${fixed(run.cpuMicrosPerRequest, 1)} µs CPU/req`}, failed ${run.client.failed}`);
    }
  }
  const versions = new Map<string, string>();
  const versionOf = (node: string) => versions.get(node) ?? versions.set(node, spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim()).get(node)!;
  for (const [at, cell] of cells.entries()) for (const run of runsByCell[at]!) run.node = versionOf(nodeForTarget(cell.target)!);
  mkdirSync(out, { recursive: true });
  const ratios = report(cells, runsByCell, out);
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({
    date: new Date().toISOString(), machine, node: process.version, loadGenerator: useAb ? 'ab' : 'built-in', perf: perf ?? 'counted',
    settings: { quick, runs, requests, interleaved: true }, targets: ratios, runs: runsByCell.flat(),
  }, null, 2));
}

/** --scenario long-lived (tools/measure/long-lived.ts): every model with and without --rebalance, interleaved rounds. */
async function longLived(out: string, runs: number, models?: string[]): Promise<void> {
  const cells = longLivedCells(models);
  const runsByCell = cells.map((): LongLivedRun[] => []);
  for (let round = 1; round <= runs; round++) {
    for (const [at, cell] of cells.entries()) {
      const run = await runLongLived(cell);
      runsByCell[at]!.push(run);
      console.log(`  round ${round}: ${cell.model}${cell.rebalance ? ' --rebalance' : ''}: ${run.bySlot.join(' / ')} open, Jain ${run.jain.toFixed(3)}, ` +
        `even from ${run.evenFromMs ?? 'never'}, ${run.moves} moves, ${run.cpuMicrosPerRequest.toFixed(1)} µs CPU/req, failed ${run.failed}, reconnects ${run.reconnects}`);
    }
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, runs: runsByCell.flat() }, null, 2));
  console.log(`\n${writeLongLived(out, runsByCell)}\n\nwritten to ${out}/ (results.json, results.md, jain-over-time.svg, split.svg)`);
}

/** --scenario uneven (tools/measure/uneven.ts): every cell once per round, then the master's share per model. */
async function uneven(out: string, runs: number, models?: string[], schedulers?: string[]): Promise<void> {
  const cells = unevenCells(models, schedulers);
  const runsByCell = cells.map((): UnevenRun[] => []);
  const masterRuns: MasterShareRun[] = [];
  const ms = (value: number) => value.toFixed(1);
  for (let round = 1; round <= runs; round++) {
    for (const [at, cell] of cells.entries()) {
      const run = await runUneven(cell);
      runsByCell[at]!.push(run);
      console.log(`  round ${round}: ${cell.setup}${cell.keepAlive ? ' -k' : ''} ${cell.name}: cheap ${Math.round(run.cheapPerSecond)} req/s, ` +
        `p50 ${ms(run.cheap.all.p50)} p99 ${ms(run.cheap.all.p99)} max ${ms(run.cheap.all.max)} ms, ${run.cpuMicrosPerRequest.toFixed(0)} µs CPU/req, ` +
        `split ${run.split.join(' / ')}, failed ${run.failed}`);
    }
    for (const model of MASTER_ACCEPTS.filter((name) => !models || models.includes(name))) {
      const run = await runMasterShare(model);
      masterRuns.push(run);
      console.log(`  round ${round}: master share ${model}: ${Math.round(run.requestsPerSecond)} req/s, master ${ms(run.masterMicrosPerConnection)} µs/conn, ` +
        `workers ${ms(run.workerMicrosPerRequest)} µs/req`);
    }
  }
  mkdirSync(out, { recursive: true });
  const cores = os.cpus().length;
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores, runs: runsByCell.flat(), masterRuns }, null, 2));
  console.log(`\n${writeUneven(out, runsByCell, masterRuns, cores)}\nwritten to ${out}/`);
  if (runsByCell.flat().some((run) => run.failed > 0)) process.exitCode = 1;
}

function replotUneven(dir: string): void {
  const { runs, masterRuns, cores } = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { runs: UnevenRun[]; masterRuns: MasterShareRun[]; cores: number };
  const byCell = new Map<string, UnevenRun[]>();
  for (const run of runs) {
    const cell = `${run.name}|${run.setup}|${run.keepAlive}`;
    byCell.set(cell, [...(byCell.get(cell) ?? []), run]);
  }
  console.log(writeUneven(dir, [...byCell.values()], masterRuns, cores));
}

/** --scenario long-lived --replot DIR: results.md and the charts again from DIR/results.json, measuring nothing. */
function replotLongLived(dir: string): void {
  const { runs } = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { runs: LongLivedRun[] };
  const byCell = new Map<string, LongLivedRun[]>();
  for (const run of runs) byCell.set(`${run.model}|${run.rebalance}`, [...(byCell.get(`${run.model}|${run.rebalance}`) ?? []), run]);
  console.log(writeLongLived(dir, [...byCell.values()]));
}

/** results.md and the charts from the runs of each cell; prints the table and the targets; exits 1 on a failure. */
function report(cells: Cell[], runsByCell: CellRun[][], out: string): string[] {
  const summaries = cells.map((cell, at) => summarise(cell, runsByCell[at]!, runsByCell[at]![0]?.node ?? process.version));
  const table = markdown(summaries);
  const ratios = targets(summaries);
  writeFileSync(path.join(out, 'results.md'), `${table}\n\n${ratios.map((line) => `- ${line}`).join('\n')}\n`);
  const written = charts(summaries, out);
  console.log(`\n${table}\n\n${ratios.join('\n')}\n\nwritten to ${out}/ (results.json, results.md, ${written.join(', ')})`);
  // A cell with failed requests, or none served, is a broken target, not a slow one.
  const broken = summaries.filter((row) => row.failed > 0 || !(row.requestsPerSecond > 0));
  if (broken.length > 0) {
    console.error(`bench: failures in ${broken.map((row) => `${row.name} w${row.workers} c${row.concurrency}${row.keepAlive ? ' -k' : ''}`).join(', ')}`);
    process.exitCode = 1;
  }
  return ratios;
}

/** --replot: the runs of an earlier results.json, grouped into their cells again, reported again. */
function replot(dir: string): void {
  const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as { runs: CellRun[] };
  const key = (cell: Cell) => `${cell.target}|${cell.transport}|${cell.workers}|${cell.concurrency}|${cell.keepAlive}`;
  const byKey = new Map<string, CellRun[]>();
  for (const run of results.runs) {
    if (!byKey.has(key(run))) byKey.set(key(run), []);
    byKey.get(key(run))!.push(run);
  }
  const runsByCell = [...byKey.values()];
  report(runsByCell.map(([first]) => first!), runsByCell, dir);
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
