/**
 * tools/measure/load.ts — a load generator with ab's meaning for its numbers.
 *
 * `requests` requests, `concurrency` at a time, each stream of them on a client connection of its own
 * (raw-client.ts, on raw libuv handles). Without keep-alive every request goes on a new TCP connection, as
 * ab sends them without -k; that is how you see the distribution of connections. With keep-alive each of
 * the `concurrency` connections carries its stream's requests, which shows that a model distributes
 * connections, not requests. Responses
 * are tallied by `x-slot`, so the client's view of the distribution can be set beside the workers' own.
 *
 * A mix: a `fraction` of the requests ask an expensive `path` (`/work?us=20000`) instead, chosen by a
 * hash of each request's number (random-looking, and the same in every run), and latency is kept apart for the cheap and the
 * expensive ones, overall and per slot: the question is whether a cheap request waits behind an
 * expensive one. Latencies go into HDR histograms (hdr-histogram-js) in microseconds, exact to 3 digits.
 */
import * as hdr from 'hdr-histogram-js';
import { RawConnection } from './raw-client';

/** Every request gives up after this long: a load run never hangs on a server that stopped answering. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface Mix {
  /** The share of requests, 0..1, that ask `path` instead of the URL's own. */
  fraction: number;
  path: string;
}

export interface LoadOptions {
  url: URL;
  requests: number;
  concurrency: number;
  keepAlive: boolean;
  timeoutMs?: number;
  mix?: Mix;
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

/** Latency percentiles in milliseconds, from a request's start to the last byte of its answer. */
export interface Percentiles { count: number; p50: number; p99: number; p999: number; max: number }

/** One class of requests (cheap or expensive): overall, and per slot. */
export interface ClassLatency { all: Percentiles; bySlot: Record<number, Percentiles> }

export interface LoadRun {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Every request's latency together, in milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** The cheap requests (the URL's own) and the expensive ones (the mix's path; null without a mix). */
  cheap: ClassLatency;
  expensive: ClassLatency | null;
  /** Cheap requests answered per second. */
  cheapPerSecond: number;
  /** Responses per `x-slot`. */
  bySlot: Map<number, number>;
  statuses: Map<number, number>;
  /** Requests that failed, by cause; a response other than 200 is a failure too (`badStatus`). */
  failures: Record<FailureCause, number>;
  /** All of them added up. */
  failed: number;
  bodyBytes: number;
}

/** The client's errors carry a code (raw-client.ts); a wrapped one, on its cause. */
function causeOf(error: unknown): FailureCause {
  const codes = [error, (error as { cause?: unknown })?.cause].map((each) => (each as { code?: string })?.code);
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (codes.some((code) => code === 'ECONNRESET' || code === 'EPIPE')) return 'reset';
  if (codes.includes('ETIMEDOUT')) return 'timeout';
  return 'other';
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Whether request `index` (from 0) is one of the mix's expensive ones: a hash of the index (murmur3's
 * finaliser) as a fraction of 2^32, under `fraction`. Not every 1/f-th request: when W divides 1/f,
 * strict rotation over W workers sends every expensive request to the same worker, a resonance of the
 * load and not a property of the model.
 */
export function isExpensive(index: number, fraction: number): boolean {
  let hash = Math.imul((index + 0x9e3779b9) ^ ((index + 0x9e3779b9) >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) / 2 ** 32 < fraction;
}

/** HDR histograms by name (a class, a class and a slot, or everything), in µs, and the percentiles they give in ms. */
export class Latencies {
  private readonly histograms = new Map<string, hdr.Histogram>();

  constructor(private readonly highestMicros: number) {}

  record(key: string, micros: number): void {
    let histogram = this.histograms.get(key);
    if (!histogram) {
      histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: this.highestMicros, numberOfSignificantValueDigits: 3 });
      this.histograms.set(key, histogram);
    }
    histogram.recordValue(Math.min(micros, this.highestMicros));
  }

  /** The latency at `percentile` in ms (0 for nothing recorded), or the largest with 100. */
  at(key: string, percentile: number): number {
    const histogram = this.histograms.get(key);
    if (!histogram) return 0;
    // A percentile is the top of its bucket, which can lie a hair above the largest value recorded.
    return Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue) / 1000;
  }

  percentiles(key: string): Percentiles {
    const at = (percentile: number) => this.at(key, percentile);
    return { count: this.histograms.get(key)?.totalCount ?? 0, p50: at(50), p99: at(99), p999: at(99.9), max: at(100) };
  }

  ofClass(name: string): ClassLatency {
    const bySlot: Record<number, Percentiles> = {};
    for (const key of [...this.histograms.keys()].filter((each) => each.startsWith(`${name}:`)).sort()) {
      bySlot[Number(key.slice(name.length + 1))] = this.percentiles(key);
    }
    return { all: this.percentiles(name), bySlot };
  }

  destroy(): void {
    for (const histogram of this.histograms.values()) histogram.destroy();
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const timeout = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const host = options.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(options.url.port || 80);
  const connections: RawConnection[] = [];
  const latencies = new Latencies(timeout * 2000);
  const failures: Record<FailureCause, number> = { refused: 0, reset: 0, timeout: 0, badStatus: 0, other: 0 };
  const run = { bySlot: new Map<number, number>(), statuses: new Map<number, number>(), bodyBytes: 0, cheap: 0 };
  const cheapPath = options.url.pathname + options.url.search;
  let started = 0;
  let done = 0;
  const deadline = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  const worker = async () => {
    const connection = new RawConnection(host, port, options.keepAlive, timeout);
    connections.push(connection);
    while (started < options.requests && Date.now() < deadline && !options.stopWhen?.()) {
      const expensive = options.mix !== undefined && isExpensive(started, options.mix.fraction);
      const name = expensive ? 'expensive' : 'cheap';
      started++;
      const begin = process.hrtime.bigint();
      try {
        const answer = await connection.ask(expensive ? options.mix!.path : cheapPath);
        const micros = Number((process.hrtime.bigint() - begin) / 1000n);
        increment(run.statuses, answer.status);
        if (answer.status !== 200) failures.badStatus++;
        else if (!expensive) run.cheap++;
        if (Number.isInteger(answer.slot)) increment(run.bySlot, answer.slot);
        latencies.record('all', micros);
        latencies.record(name, micros);
        if (Number.isInteger(answer.slot)) latencies.record(`${name}:${answer.slot}`, micros);
        options.onResponse?.(answer.slot);
        run.bodyBytes += answer.bodyBytes;
      } catch (error) {
        failures[causeOf(error)]++;
      }
      done++;
      options.onProgress?.(done);
    }
  };
  const begin = process.hrtime.bigint();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  for (const connection of connections) connection.close();
  const ms = (percentile: number) => latencies.at('all', percentile);
  const latencyMs = { p50: ms(50), p90: ms(90), p99: ms(99), max: ms(100) };
  const cheap = latencies.ofClass('cheap');
  const expensive = options.mix ? latencies.ofClass('expensive') : null;
  latencies.destroy();
  const failed = Object.values(failures).reduce((sum, count) => sum + count, 0);
  return {
    requests: done, seconds, requestsPerSecond: done / seconds, latencyMs, cheap, expensive, cheapPerSecond: run.cheap / seconds,
    failures, failed, bySlot: run.bySlot, statuses: run.statuses, bodyBytes: run.bodyBytes,
  };
}
