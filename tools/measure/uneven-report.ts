/**
 * tools/measure/uneven-report.ts — the uneven scenario's results.md, its chart and its targets, from the
 * runs of tools/measure/uneven.ts: medians per cell, the split and the per-slot figures from the middle
 * run by cheap p99.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { median, sum } from '../../lib/report/stats';
import { barChart } from './charts';
import type { Percentiles } from './load';
import { MASTER_SHARE, UNEVEN, type MasterShareRun, type Setup, type UnevenRun } from './uneven';

const SETUPS: Record<Setup, string> = {
  busy: `wrk -t1 -c4 on ${UNEVEN.expensivePath} (connection: close) in the background; ${UNEVEN.cheap} requests to / at -c ${UNEVEN.busyConcurrency}`,
  mix: `${UNEVEN.mixRequests} requests at -c ${UNEVEN.mixConcurrency}, ${UNEVEN.share * 100}% of them ${UNEVEN.expensivePath}, the rest /`,
};

const middle = (runs: UnevenRun[]) => [...runs].sort((a, b) => a.cheap.all.p99 - b.cheap.all.p99)[Math.floor(runs.length / 2)]!;
const pick = (runs: UnevenRun[], get: (run: UnevenRun) => number) => median(runs.map(get));
const ms = (value: number) => value.toFixed(1);
const perSlot = (run: UnevenRun, get: (each: Percentiles) => number) => Object.values(run.cheap.bySlot).map((each) => ms(get(each))).join(' / ');

function table(groups: UnevenRun[][]): string {
  const lines = ['| model | cheap req/s | CPU µs/req | cheap p50 | p99 | p99.9 | max | p99 per slot (middle run) | connections per slot | failed |',
    '|---|---|---|---|---|---|---|---|---|---|'];
  for (const runs of groups) {
    const all = (get: (each: Percentiles) => number) => ms(pick(runs, (run) => get(run.cheap.all)));
    lines.push(`| ${runs[0]!.name} | ${Math.round(pick(runs, (run) => run.cheapPerSecond))} | ${pick(runs, (run) => run.cpuMicrosPerRequest).toFixed(0)} | ` +
      `${all((each) => each.p50)} | ${all((each) => each.p99)} | ${all((each) => each.p999)} | ${all((each) => each.max)} | ` +
      `${perSlot(middle(runs), (each) => each.p99)} | ${middle(runs).split.join(' / ')} | ${sum(runs.map((run) => run.failed))} |`);
  }
  return lines.join('\n');
}

function masterTable(runs: MasterShareRun[], cores: number): string {
  const byModel = new Map<string, MasterShareRun[]>();
  for (const run of runs) byModel.set(run.model, [...(byModel.get(run.model) ?? []), run]);
  const lines = [`| model | req/s (ab -c100, ${cores} cores) | master µs/conn | workers µs/req | master's ceiling, conn/s | cores past which it stops scaling |`, '|---|---|---|---|---|---|'];
  for (const [model, each] of byModel) {
    const master = median(each.map((run) => run.masterMicrosPerConnection));
    const worker = median(each.map((run) => run.workerMicrosPerRequest));
    lines.push(`| ${model} | ${Math.round(median(each.map((run) => run.requestsPerSecond)))} | ${master.toFixed(1)} | ${worker.toFixed(1)} | ` +
      `${Math.round(1e6 / master)} | ${(worker / master).toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** least-loaded against shared and cluster-rr, in the busy setup with a connection per request. */
export function unevenTargetLines(groups: UnevenRun[][]): string[] {
  const cell = (name: string) => groups.find((runs) => runs[0]!.name === name && runs[0]!.setup === 'busy' && !runs[0]!.keepAlive);
  const [least, shared, clusterRr] = ['least-loaded', 'shared', 'cluster-rr'].map(cell);
  if (!least || !shared || !clusterRr) return ['targets: not measured (least-loaded, shared and cluster-rr are needed)'];
  const p99 = (runs: UnevenRun[]) => pick(runs, (run) => run.cheap.all.p99);
  const rate = (runs: UnevenRun[]) => pick(runs, (run) => run.cheapPerSecond);
  const check = (label: string, ratio: number, goal: number, atMost: boolean) =>
    `${label}: ${ratio.toFixed(2)} (target ${atMost ? '<=' : '>='} ${goal}) ${(atMost ? ratio <= goal : ratio >= goal) ? 'met' : 'MISSED'}`;
  return [
    check('least-loaded cheap p99 / shared\'s', p99(least) / p99(shared), 1.25, true),
    check('least-loaded cheap p99 / cluster-rr\'s', p99(least) / p99(clusterRr), 0.8, true),
    check('least-loaded cheap req/s / shared\'s', rate(least) / rate(shared), 0.7, false),
    check('least-loaded cheap req/s / cluster-rr\'s', rate(least) / rate(clusterRr), 1, false),
  ];
}

/** results.md and one chart of cheap p99 per model for each setup; returns the markdown. */
export function writeUneven(out: string, groups: UnevenRun[][], masterRuns: MasterShareRun[], cores: number): string {
  const sections: string[] = [];
  for (const setup of ['busy', 'mix'] as const) for (const keepAlive of [false, true]) {
    const chosen = groups.filter((runs) => runs[0]!.setup === setup && runs[0]!.keepAlive === keepAlive);
    if (chosen.length === 0) continue;
    const how = keepAlive ? 'keep-alive' : 'a connection per request';
    sections.push(`## ${setup}, ${how}\n\n${SETUPS[setup]}; ${UNEVEN.workers} workers; medians of ${chosen[0]!.length} interleaved runs; ms.\n\n${table(chosen)}`);
    const file = `cheap-p99-${setup}${keepAlive ? '-keep-alive' : ''}.svg`;
    writeFileSync(path.join(out, file), barChart(`Cheap requests' p99, ms (${setup}: ${SETUPS[setup]}; ${how}; median)`,
      chosen.map((runs) => ({ label: runs[0]!.name, values: [pick(runs, (run) => run.cheap.all.p99)] })), ([value]) => `${ms(value!)} ms`));
  }
  if (masterRuns.length) sections.push(`## The master's share\n\nab -n ${MASTER_SHARE.requests} -c ${MASTER_SHARE.concurrency} on /, ${UNEVEN.workers} workers; medians.\n\n${masterTable(masterRuns, cores)}`);
  const targets = unevenTargetLines(groups);
  const markdown = `${sections.join('\n\n')}\n\n${targets.map((line) => `- ${line}`).join('\n')}\n`;
  writeFileSync(path.join(out, 'results.md'), markdown);
  return markdown;
}
