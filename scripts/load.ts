/**
 * scripts/load.ts — `node scripts/load.js [-n 10000] [-c 100] URL`: N new connections, C at a time,
 * from undici (lib/load.ts). Used where ab is not installed; prints req/s and the split by x-worker.
 */
import { parseArgs } from 'node:util';
import { load } from '../lib/load';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { n: { type: 'string', short: 'n', default: '10000' }, c: { type: 'string', short: 'c', default: '100' } },
  });
  const url = new URL(positionals[0] ?? 'http://127.0.0.1:3000/');
  const total = Number(values.n);
  const concurrency = Number(values.c);
  const started = process.hrtime.bigint();
  const result = await load(Number(url.port), total, concurrency);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${total} requests, ${concurrency} at a time: ${(total / seconds).toFixed(0)} req/s, ` +
    `${result.failures} failed; by x-worker: ${[...result.byWorker].sort(([a], [b]) => a - b).map(([worker, count]) => `${worker}=${count}`).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
