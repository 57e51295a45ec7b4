/**
 * tools/measure/hold.ts — long-lived connections: hold N kept-alive connections, each sending R requests
 * a second for a while, and watch which worker holds each.
 *
 * Each connection is an undici Client (one TCP connection, kept alive, one request at a time). All of them
 * send their first request at once, so the server sees N connections in one burst; then each asks again
 * every 1/R s. Every response names the slot that served it (`x-slot`), and a connection is on the slot
 * of its latest response. Every SAMPLE_MS the tally of connections per slot, and its Jain's index, goes
 * into a timeline: it shows the split as the burst lands and, with --rebalance, as it evens out. The
 * client counts its own connects (undici's 'connect' events), so a connection the server closed and the
 * client had to open again is a reconnect: a move that closed anything would show here.
 */
import { Client } from 'undici';
import { describeDistribution } from '../../lib/report/stats';
import { Latencies, REQUEST_TIMEOUT_MS } from './load';

/** How often the split is sampled. */
export const SAMPLE_MS = 100;

export interface HoldOptions {
  url: URL;
  connections: number;
  /** Requests per second, each connection. */
  rate: number;
  durationMs: number;
  /** Slots to tally (the server's workers); a slot that serves no connection counts as 0. */
  slots: number;
}

export interface Sample { atMs: number; bySlot: number[]; jain: number }

export interface HoldRun {
  requests: number;
  failed: number;
  /** Connects beyond the first of each connection: the server closed one, and the client opened it again. */
  reconnects: number;
  latencyMs: { p50: number; p99: number; max: number };
  timeline: Sample[];
  /** The first moment from which Jain's index stayed at or above `evenAt` to the end; null if it never did. */
  evenFromMs: number | null;
}

/** Jain's index a split has to reach and keep to count as even. */
export const EVEN_AT = 0.99;

export async function runHold(options: HoldOptions): Promise<HoldRun> {
  const latencies = new Latencies(REQUEST_TIMEOUT_MS * 2000);
  const slotOf = new Map<Client, number>();
  const run = { requests: 0, failed: 0, connects: 0 };
  const began = Date.now();
  const ends = began + options.durationMs;
  const timeline: Sample[] = [];
  const sample = () => {
    const bySlot = Array.from({ length: options.slots }, () => 0);
    for (const slot of slotOf.values()) if (slot < bySlot.length) bySlot[slot]!++;
    timeline.push({ atMs: Date.now() - began, bySlot, jain: describeDistribution(bySlot).jain });
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  const path = options.url.pathname + options.url.search;
  const interval = 1000 / options.rate;
  /** The first request at once (the burst); then every `interval`, from `offsetMs` into the first one. */
  const hold = async (client: Client, offsetMs: number) => {
    client.on('connect', () => void run.connects++);
    for (let beat = 0; ; beat++) {
      const at = beat === 0 ? began : began + offsetMs + beat * interval;
      if (at >= ends) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const start = process.hrtime.bigint();
      try {
        const response = await client.request({ path, method: 'GET' });
        await response.body.arrayBuffer();
        latencies.record('all', Number((process.hrtime.bigint() - start) / 1000n));
        if (response.statusCode === 200) run.requests++;
        else run.failed++;
        slotOf.set(client, Number(response.headers['x-slot']));
      } catch {
        run.failed++;
      }
    }
  };
  const clients = Array.from({ length: options.connections }, () => new Client(options.url.origin, {
    pipelining: 1, connectTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS,
  }));
  // After the burst each connection keeps its own beat, spread over one interval: no lockstep.
  await Promise.all(clients.map((client, at) => hold(client, (at / options.connections) * interval)));
  clearInterval(sampler);
  sample();
  await Promise.all(clients.map((client) => client.close()));
  const { p50, p99, max } = latencies.percentiles('all');
  const latencyMs = { p50, p99, max };
  latencies.destroy();
  const lastUneven = timeline.findLastIndex((point) => point.jain < EVEN_AT);
  const evenFromMs = lastUneven === timeline.length - 1 ? null : timeline[lastUneven + 1]!.atMs;
  return { requests: run.requests, failed: run.failed, reconnects: Math.max(0, run.connects - options.connections), latencyMs, timeline, evenFromMs };
}
