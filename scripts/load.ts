/**
 * scripts/load.ts — `npm run load -- [-n 10000] [-c 100] [-k] [--json] URL`, ab's flags with ab's
 * meaning (tools/measure/load.ts). Prints an ab-like summary, the distribution by x-slot, and latency
 * percentiles per slot; with --json, one JSON object instead (requestsPerSecond, slots, latency, failures).
 *
 * `--expensive PATH --share F`: a fraction F of the requests ask PATH instead (`/work?us=20000`), and the
 * latency of the cheap and the expensive ones is reported apart, overall and per slot.
 *
 * `--hold N [--rate R] [--duration S] [--slots W]`: long-lived connections instead (tools/measure/hold.ts):
 * N kept-alive connections opened in one burst, each asking R times a second for S seconds; prints the
 * split of the connections over the W slots as it goes, when it became even (Jain >= 0.99) for good, and
 * how many connections the client had to open again.
 */
import { parseArgs } from 'node:util';
import { distributionLines } from '../lib/report/report';
import { EVEN_AT, runHold, type HoldRun } from '../tools/measure/hold';
import { runLoad, REQUEST_TIMEOUT_MS, type ClassLatency, type LoadRun, type Percentiles } from '../tools/measure/load';

const USAGE = 'usage: npm run load -- [-n requests] [-c concurrency] [-k] [--json] [--timeout ms] [--expensive PATH --share F] URL\n' +
  '       npm run load -- --hold connections [--rate per-second] [--duration seconds] [--slots workers] [--json] URL';

function parse() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string', short: 'n', default: '10000' },
      c: { type: 'string', short: 'c', default: '100' },
      k: { type: 'boolean', short: 'k', default: false },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string', default: String(REQUEST_TIMEOUT_MS) },
      hold: { type: 'string' },
      rate: { type: 'string', default: '10' },
      duration: { type: 'string', default: '10' },
      slots: { type: 'string', default: '4' },
      expensive: { type: 'string' },
      share: { type: 'string', default: '0.05' },
    },
  });
  const whole = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1, not '${text}'`);
    return value;
  };
  const hold = values.hold === undefined ? null : {
    connections: whole('hold', values.hold), rate: whole('rate', values.rate), durationMs: whole('duration', values.duration) * 1000,
    slots: whole('slots', values.slots),
  };
  const requests = Number(values.n);
  const concurrency = Number(values.c);
  const timeoutMs = Number(values.timeout);
  if (!Number.isSafeInteger(requests) || requests < 1) throw new Error(`-n must be a whole number >= 1, not '${values.n}'`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > requests) {
    throw new Error(`-c must be a whole number from 1 to -n, not '${values.c}'`);
  }
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new Error(`--timeout must be a whole number of ms, not '${values.timeout}'`);
  const share = Number(values.share);
  if (!(share > 0 && share <= 1)) throw new Error(`--share must be a fraction above 0, at most 1, not '${values.share}'`);
  if (values.expensive !== undefined && !values.expensive.startsWith('/')) throw new Error(`--expensive must be a path, like /work?us=20000, not '${values.expensive}'`);
  const mix = values.expensive === undefined ? undefined : { fraction: share, path: values.expensive };
  if (positionals.length !== 1) throw new Error('one URL, please');
  const url = new URL(positionals[0]!);
  if (url.protocol !== 'http:') throw new Error(`only http:// URLs, not '${url.protocol}'`);
  return { url, requests, concurrency, keepAlive: values.k, json: values.json, timeoutMs, hold, mix };
}

/** A bar on stderr, redrawn at most every 100 ms, only when stderr is a terminal. */
function progress(total: number): ((done: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (done) => {
    if (done !== total && Date.now() - last < 100) return;
    last = Date.now();
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

function summary(run: LoadRun, keepAlive: boolean): string {
  const { failed } = run;
  const slots = [...run.bySlot].sort(([a], [b]) => a - b);
  return [
    `Complete requests:      ${run.requests - failed}`,
    `Failed requests:        ${failed}` + (failed ? ` (${Object.entries(run.failures).filter(([, count]) => count)
      .map(([cause, count]) => `${cause} ${count}`).join(', ')})` : ''),
    `Keep-alive:             ${keepAlive ? 'yes' : 'no, one connection per request'}`,
    `Time taken for tests:   ${run.seconds.toFixed(3)} seconds`,
    `Requests per second:    ${run.requestsPerSecond.toFixed(2)} [#/sec] (mean)`,
    `Latency (ms):           p50 ${run.latencyMs.p50.toFixed(2)}  p90 ${run.latencyMs.p90.toFixed(2)}  ` +
      `p99 ${run.latencyMs.p99.toFixed(2)}  max ${run.latencyMs.max.toFixed(2)}`,
    '',
    'Responses by x-slot:',
    ...(slots.length ? distributionLines(slots.map(([slot, count]) => ({ label: `slot ${slot}`, count }))) : ['  (none)']),
    '',
    ...latencyTable(run),
  ].join('\n');
}

/** Latency per class (cheap, expensive) and per slot: count, p50, p99, p99.9, max. */
function latencyTable(run: LoadRun): string[] {
  const row = (label: string, each: Percentiles) => `  ${label.padEnd(14)}${String(each.count).padStart(8)}` +
    [each.p50, each.p99, each.p999, each.max].map((ms) => ms.toFixed(2).padStart(9)).join('');
  const rows = (name: string, latency: ClassLatency) => [row(name, latency.all),
    ...Object.entries(latency.bySlot).map(([slot, each]) => row(`  slot ${slot}`, each))];
  return [
    `Latency (ms)          count      p50      p99    p99.9      max`,
    ...rows(run.expensive ? 'cheap' : 'all', run.cheap),
    ...(run.expensive ? rows('expensive', run.expensive) : []),
  ];
}

function holdSummary(run: HoldRun): string {
  const every = Math.max(1, Math.round(run.timeline.length / 10));
  return [
    `Requests answered:      ${run.requests}`,
    `Failed requests:        ${run.failed}`,
    `Reconnects:             ${run.reconnects}`,
    `Latency (ms):           p50 ${run.latencyMs.p50.toFixed(2)}  p99 ${run.latencyMs.p99.toFixed(2)}  max ${run.latencyMs.max.toFixed(2)}`,
    `Even (Jain >= ${EVEN_AT}) from: ${run.evenFromMs === null ? 'never, to the end' : `${run.evenFromMs} ms on`}`,
    '',
    'Connections per slot over time:',
    ...run.timeline.filter((_, at) => at % every === 0 || at === run.timeline.length - 1)
      .map((point) => `  ${String(point.atMs).padStart(6)} ms  ${point.bySlot.map((count) => String(count).padStart(4)).join(' ')}  Jain ${point.jain.toFixed(3)}`),
  ].join('\n');
}

async function main(): Promise<void> {
  let options;
  try {
    options = parse();
  } catch (error) {
    console.error(`load: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.hold) {
    const held = await runHold({ url: options.url, ...options.hold });
    return console.log(options.json ? JSON.stringify({ url: options.url.href, ...options.hold, ...held }) : holdSummary(held));
  }
  const run = await runLoad({ ...options, onProgress: options.json ? undefined : progress(options.requests) });
  if (!options.json) return console.log(summary(run, options.keepAlive));
  console.log(JSON.stringify({
    url: options.url.href, requests: run.requests, concurrency: options.concurrency, keepAlive: options.keepAlive,
    seconds: run.seconds, requestsPerSecond: run.requestsPerSecond, latencyMs: run.latencyMs, failed: run.failed,
    failures: run.failures, statuses: Object.fromEntries(run.statuses), slots: Object.fromEntries(run.bySlot),
    cheapPerSecond: run.cheapPerSecond, cheap: run.cheap, expensive: run.expensive, mix: options.mix ?? null,
  }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
