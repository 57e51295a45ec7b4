/**
 * lib/load.ts — a small load generator on undici: `total` requests, `concurrency` at a time, each on a
 * new TCP connection, as ab sends them without -k (undici's `reset: true` sends `connection: close` and
 * the pool opens a new connection for the next request). It tallies responses by `x-worker`, so the
 * client's view of the distribution can be set beside the workers' own counts.
 */
import { Pool } from 'undici';

export interface LoadResult {
  byWorker: Map<number, number>;
  bodyBytes: number;
  statuses: Map<number, number>;
  failures: number;
}

export async function load(port: number, total: number, concurrency: number): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
  const result: LoadResult = { byWorker: new Map(), bodyBytes: 0, statuses: new Map(), failures: 0 };
  let next = 0;
  const client = async () => {
    while (next < total) {
      next++;
      try {
        const response = await pool.request({ path: '/', method: 'GET', reset: true, headersTimeout: 10_000 });
        const body = Buffer.from(await response.body.arrayBuffer());
        const worker = Number(response.headers['x-worker']);
        result.byWorker.set(worker, (result.byWorker.get(worker) ?? 0) + 1);
        result.statuses.set(response.statusCode, (result.statuses.get(response.statusCode) ?? 0) + 1);
        result.bodyBytes += body.length;
      } catch {
        result.failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  await pool.close();
  return result;
}
