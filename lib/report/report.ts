/**
 * lib/report/report.ts — what the master says when it stops: the report event, and how a person reads it.
 *
 * First the article's own lines, `worker <pid> got <n> connections`, so a reader can set them beside
 * its table; then one line per slot with its share and a bar, and the two evenness numbers from
 * stats.ts; then, if any live connection changed worker, how many each slot gave and received. With --json the same report is one JSON object (lib/events.ts); the dashboard's /state is
 * that object too.
 */
import type { ReportEvent, SlotCounts, WorkerCounts } from '../events';
import { describeDistribution } from './stats';

/** The widest bar, in characters: the report, the live view and the load tool draw the same bars. */
export const BAR_WIDTH = 40;

/** A bar of `#`, as long for `count` as BAR_WIDTH is for `widest`. */
export function bar(count: number, widest: number): string {
  return '#'.repeat(Math.round((count / Math.max(1, widest)) * BAR_WIDTH));
}

/** Per slot: every worker that held it, and their counts added up. */
export function slotCounts(workers: readonly WorkerCounts[]): SlotCounts[] {
  const slots: SlotCounts[] = [];
  for (const worker of workers) {
    const slot = slots[worker.slot] ??= { slot: worker.slot, pids: [], connections: 0, requests: 0, received: 0, given: 0, open: 0 };
    slot.pids.push(worker.pid);
    slot.connections += worker.connections;
    slot.requests += worker.requests;
    slot.received += worker.received;
    slot.given += worker.given;
    slot.open += worker.open;
  }
  return slots.filter(Boolean);
}

export function buildReport(model: string, transport: string, workers: readonly WorkerCounts[]): ReportEvent {
  const slots = slotCounts(workers);
  const { total, maxMinRatio, jain } = describeDistribution(slots.map((slot) => slot.connections));
  const sum = (field: 'requests' | 'received') => slots.reduce((all, slot) => all + slot[field], 0);
  return {
    type: 'report', model, transport, slots, workers: [...workers],
    connections: total, requests: sum('requests'), moves: sum('received'),
    maxMin: Number.isFinite(maxMinRatio) ? maxMinRatio : null, jain,
    openJain: describeDistribution(slots.map((slot) => slot.open)).jain,
  };
}

/** One line per row (label, count, share, bar), then max/min and Jain's index. */
export function distributionLines(rows: ReadonlyArray<{ label: string; count: number }>): string[] {
  const counts = rows.map((row) => row.count);
  const { shares, maxMinRatio, jain } = describeDistribution(counts);
  const widest = Math.max(...counts);
  const lines = rows.map((row, at) =>
    `  ${row.label} ${String(row.count).padStart(8)}  ${(shares[at]! * 100).toFixed(1).padStart(5)}%  ${bar(row.count, widest)}`);
  lines.push(`max/min ${Number.isFinite(maxMinRatio) ? maxMinRatio.toFixed(2) : 'infinite'}  ` +
    `Jain's index ${jain.toFixed(3)}`);
  return lines;
}

export function formatReport(report: ReportEvent): string {
  const replaced = report.workers.filter((worker) => worker.replaced).length;
  const lines = report.workers.map((worker) => `worker ${worker.pid} got ${worker.connections} connections` +
    (worker.replaced ? ' (replaced)' : ''));
  lines.push('', `total ${report.connections} connections, ${report.requests} requests, ${report.slots.length} workers` +
    (replaced ? ` (${replaced} replaced along the way)` : ''));
  const current = (slot: SlotCounts) =>
    report.workers.find((worker) => worker.slot === slot.slot && !worker.replaced)?.pid ?? slot.pids.at(-1);
  lines.push(...distributionLines(report.slots.map((slot) => ({
    label: `slot ${slot.slot}  pid ${String(current(slot)).padEnd(7)}`, count: slot.connections,
  }))));
  if (report.moves > 0) {
    lines.push(`${report.moves} live connections moved: ` +
      report.slots.map((slot) => `slot ${slot.slot} gave ${slot.given}, received ${slot.received}`).join('; '));
  }
  return lines.join('\n');
}
