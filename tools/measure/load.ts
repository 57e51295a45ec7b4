/**
 * tools/measure/load.ts — a load generator on undici, with ab's meaning for its numbers.
 *
 * `requests` requests, `concurrency` at a time. Without keep-alive every request goes on a new TCP
 * connection, as ab sends them without -k (undici's `reset: true` sends `connection: close`, and the pool
 * opens a new connection for the next request); that is how you see the distribution of connections.
 * With keep-alive the pool keeps `concurrency` connections and every request rides one of them, which
 * shows that a model distributes connections, not requests. Responses are tallied by `x-slot`, so the
 * client's view of the distribution can be set beside the workers' own counts (by their `x-slot`). Latency goes into an HDR
 * histogram (hdr-histogram-js) in microseconds, so percentiles stay exact to 3 digits at any count.
 */
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

/** Every request gives up after this long: a load run never hangs on a server that stopped answering. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface LoadOptions {
  url: URL;
  requests: number;
  concurrency: number;
  keepAlive: boolean;
  timeoutMs?: number;
  /** Stop starting requests after this long, even if fewer than `requests` were sent (a timed run). */
  durationMs?: number;
  /** Stop starting requests once this says so (checked before each one). */
  stopWhen?: () => boolean;
  /** Called after each finished request (for a progress bar). */
  onProgress?: (done: number) => void;
  /** Called with each response's `x-slot` (NaN without one) as it completes. */
  onResponse?: (slot: number) => void;
}

export type FailureCause = 'refused' | 'reset' | 'timeout' | 'badStatus' | 'other';

export interface LoadRun {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Latency in milliseconds, from the request's start to the last byte of its body. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Responses per `x-slot`. */
  bySlot: Map<number, number>;
  statuses: Map<number, number>;
  /** Requests that failed, by cause; a response other than 200 is a failure too (`badStatus`). */
  failures: Record<FailureCause, number>;
  /** All of them added up. */
  failed: number;
  bodyBytes: number;
}

/** undici puts the socket error's code on the error or on its cause. */
function causeOf(error: unknown): FailureCause {
  const codes = [error, (error as { cause?: unknown })?.cause].map((each) => (each as { code?: string })?.code);
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (codes.some((code) => code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')) return 'reset';
  if (codes.some((code) => code?.startsWith('UND_ERR_') && code.endsWith('TIMEOUT'))) return 'timeout';
  return 'other';
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const timeout = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const pool = new Pool(options.url.origin, {
    connections: options.concurrency, pipelining: 1, connectTimeout: timeout,
    headersTimeout: timeout, bodyTimeout: timeout,
  });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: timeout * 1000 * 2, numberOfSignificantValueDigits: 3 });
  const failures: Record<FailureCause, number> = { refused: 0, reset: 0, timeout: 0, badStatus: 0, other: 0 };
  const run = { bySlot: new Map<number, number>(), statuses: new Map<number, number>(), bodyBytes: 0 };
  const path = options.url.pathname + options.url.search;
  let started = 0;
  let done = 0;
  const deadline = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  const client = async () => {
    while (started < options.requests && Date.now() < deadline && !options.stopWhen?.()) {
      started++;
      const begin = process.hrtime.bigint();
      try {
        const response = await pool.request({ path, method: 'GET', reset: !options.keepAlive });
        const body = Buffer.from(await response.body.arrayBuffer());
        histogram.recordValue(Number((process.hrtime.bigint() - begin) / 1000n));
        increment(run.statuses, response.statusCode);
        if (response.statusCode !== 200) failures.badStatus++;
        const slot = Number(response.headers['x-slot']);
        if (Number.isInteger(slot)) increment(run.bySlot, slot);
        options.onResponse?.(slot);
        run.bodyBytes += body.length;
      } catch (error) {
        failures[causeOf(error)]++;
      }
      done++;
      options.onProgress?.(done);
    }
  };
  const begin = process.hrtime.bigint();
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  await pool.close();
  const ms = (percentile: number) => histogram.getValueAtPercentile(percentile) / 1000;
  const latencyMs = { p50: ms(50), p90: ms(90), p99: ms(99), max: histogram.maxValue / 1000 };
  histogram.destroy();
  const failed = Object.values(failures).reduce((sum, count) => sum + count, 0);
  return { requests: done, seconds, requestsPerSecond: done / seconds, latencyMs, failures, failed, ...run };
}
