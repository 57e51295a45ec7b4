/**
 * tools/measure/ab.ts — ApacheBench (apache2-utils) as the benchmark's load generator, and its output read back.
 *
 * ab is a single-threaded C client that opens a new connection per request (HTTP/1.0; with -k it keeps
 * them alive). It is the article's tool and the fastest client here, so the benchmark prefers it and
 * falls back to the built-in undici tool (scripts/load.ts) when it is not installed.
 */
import { spawnSync } from 'node:child_process';

export interface ClientRun {
  complete: number;
  failed: number;
  requestsPerSecond: number;
  p99Ms: number;
}

export function hasAb(): boolean {
  return spawnSync('ab', ['-V']).status === 0;
}

/** -s: give up on a request after 10 s, so a run never hangs. */
export function abArgs(url: string, requests: number, concurrency: number, keepAlive: boolean): string[] {
  return ['ab', '-q', '-s', '10', '-n', String(requests), '-c', String(concurrency), ...(keepAlive ? ['-k'] : []), url];
}

function field(text: string, label: string): number {
  const match = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Reads ab's summary: a non-2xx response counts as failed, like a broken connection. */
export function parseAb(text: string): ClientRun {
  const p99 = /^\s+99%\s+(\d+)/m.exec(text);
  return {
    complete: field(text, 'Complete requests'),
    failed: field(text, 'Failed requests') + field(text, 'Non-2xx responses'),
    requestsPerSecond: field(text, 'Requests per second'),
    p99Ms: p99 ? Number(p99[1]) : NaN,
  };
}
