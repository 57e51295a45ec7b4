/**
 * scripts/load.ts — `npm run load -- [-n 10000] [-c 100] [-k] [--json] URL`, ab's flags with ab's
 * meaning, on undici (tools/measure/load.ts). Prints an ab-like summary and the distribution by x-slot;
 * with --json, one JSON object instead (requestsPerSecond, slots, latency, failures).
 */
import { parseArgs } from 'node:util';
import { runLoad, REQUEST_TIMEOUT_MS, type LoadRun } from '../tools/measure/load';
import { distributionLines } from '../lib/report/report';

const USAGE = 'usage: npm run load -- [-n requests] [-c concurrency] [-k] [--json] [--timeout ms] URL';

function parse() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string', short: 'n', default: '10000' },
      c: { type: 'string', short: 'c', default: '100' },
      k: { type: 'boolean', short: 'k', default: false },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string', default: String(REQUEST_TIMEOUT_MS) },
    },
  });
  const requests = Number(values.n);
  const concurrency = Number(values.c);
  const timeoutMs = Number(values.timeout);
  if (!Number.isSafeInteger(requests) || requests < 1) throw new Error(`-n must be a whole number >= 1, not '${values.n}'`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > requests) {
    throw new Error(`-c must be a whole number from 1 to -n, not '${values.c}'`);
  }
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new Error(`--timeout must be a whole number of ms, not '${values.timeout}'`);
  if (positionals.length !== 1) throw new Error('one URL, please');
  const url = new URL(positionals[0]!);
  if (url.protocol !== 'http:') throw new Error(`only http:// URLs, not '${url.protocol}'`);
  return { url, requests, concurrency, keepAlive: values.k, json: values.json, timeoutMs };
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
  const run = await runLoad({ ...options, onProgress: options.json ? undefined : progress(options.requests) });
  if (!options.json) return console.log(summary(run, options.keepAlive));
  console.log(JSON.stringify({
    url: options.url.href, requests: run.requests, concurrency: options.concurrency, keepAlive: options.keepAlive,
    seconds: run.seconds, requestsPerSecond: run.requestsPerSecond, latencyMs: run.latencyMs, failed: run.failed,
    failures: run.failures, statuses: Object.fromEntries(run.statuses), slots: Object.fromEntries(run.bySlot),
  }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
