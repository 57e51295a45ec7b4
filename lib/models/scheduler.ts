/**
 * lib/models/scheduler.ts — the choice of a worker for each new connection, as a function users can replace.
 *
 * Node's cluster hard-codes its choice (round_robin_handle.js: the first free worker), and the requests to
 * make it pluggable (nodejs/node#3142 "too much policy, too little mechanism", #11546, #22946) never
 * landed. Here the mechanism is the model (least-loaded.ts: the master accepts, hands on over the
 * handle pipe, keeps each handle until it is acknowledged) and the policy is one function: loads in, a
 * slot out. `--scheduler ./my-policy.js` loads a user's own; examples/schedulers/ has the default and
 * plain rotation to start from.
 */
import path from 'node:path';
import { UsageError } from '../errors';

/** What the master knows of one worker when a connection arrives. */
export interface WorkerLoad {
  /** The worker's slot: what a scheduler returns to choose it. */
  readonly slot: number;
  /**
   * Connections handed to it that it has not acknowledged yet. A worker acknowledges once per turn of
   * its event loop (lib/channel/handle-pipe.ts), so one that is burning a long request acknowledges
   * nothing until it is done: the freshest sign of a busy worker, counted by the master itself.
   */
  readonly inFlight: number;
  /** How long the oldest of them has waited, in ms (0 when none): past a couple of ms, its loop is stuck. */
  readonly waitedMs: number;
  /** Connections it holds: its last report, and the ones it has taken since. */
  readonly open: number;
  /** Requests begun and not yet answered, as its last acknowledgement or report said. */
  readonly inProgress: number;
  /** The share of the last ~100 ms its event loop was busy, 0..1, as its last acknowledgement or report said. */
  readonly utilization: number;
}

/**
 * Chooses the worker for one new connection: returns the `slot` of one of `loads`, or null to keep the
 * connection in the master until the next acknowledgement (allowed only while every worker has a handle
 * in flight: otherwise no acknowledgement would come). `loads` holds the workers that can take a
 * connection now (never empty), in turn order: the first is the one after the last chosen, so a scheduler
 * that breaks ties by taking the first takes turns.
 */
export type Scheduler = (loads: readonly WorkerLoad[]) => number | null;

/**
 * The default: only a worker with nothing in flight (it has acknowledged everything it was handed: it is
 * turning its event loop), and among those the exact minimum of (utilization in quarters, connections held
 * and requests in progress), ties to the first in turn; none free, and the connection waits for the first
 * acknowledgement. That is Node's free list (rr-free.ts) on the handle pipe, choosing among the free by
 * load: a worker burning a long request is never handed a second connection to wait behind it, which
 * pipelining to a worker that looks responsive does (notes/uneven.md: cheap p99 35 ms against 47–56).
 * Utilization coarsely, so noise between 0.31 and 0.33 does not decide. The exact minimum rather than
 * HAProxy's or nginx's power of two random choices: those keep many choosers with stale views from all
 * rushing to the same idle worker; here one chooser counts every handle it sends, so its view of what is
 * in flight is never stale, and scanning a worker per core costs less than drawing random numbers.
 */
export const leastLoaded: Scheduler = (loads) => {
  let best: WorkerLoad | null = null;
  for (const load of loads) if (load.inFlight === 0 && (!best || compare(load, best) < 0)) best = load;
  return best?.slot ?? null;
};

function compare(a: WorkerLoad, b: WorkerLoad): number {
  return quarters(a.utilization) - quarters(b.utilization) || a.open + a.inProgress - (b.open + b.inProgress);
}

const quarters = (utilization: number) => Math.round(utilization * 4);

/**
 * A user's scheduler from `file`: the module itself if it is a function, else its `choose` or its
 * `default`. Throws a UsageError, one line, if it cannot be loaded or exports none of them.
 */
export function loadScheduler(file: string): Scheduler {
  const resolved = path.resolve(file);
  let exported: unknown;
  try {
    exported = require(resolved) as unknown;
  } catch (error) {
    throw new UsageError(`--scheduler ${file}: cannot load it (${(error as Error).message.split('\n')[0]})`);
  }
  const candidates = [exported, (exported as { choose?: unknown } | null)?.choose, (exported as { default?: unknown } | null)?.default];
  const choose = candidates.find((candidate) => typeof candidate === 'function');
  if (!choose) throw new UsageError(`--scheduler ${file}: exports no scheduler (module.exports = function (loads) { return slot }, or exports.choose)`);
  return choose as Scheduler;
}
