// @ts-check
/**
 * examples/schedulers/responsive.js — pipelining to any worker that is answering quickly: a free worker
 * first (the default's rule), else, among those whose oldest handle in flight has waited under
 * RESPONSIVE_MS, the one with the fewest in flight; wait otherwise. It keeps rr-pipelined's throughput when every worker is quick, and it is
 * what notes/uneven.md measures against the default: with requests that burn 20 ms, a second connection
 * handed to a worker that has just started burning waits it out, and the cheap requests' p99 grows.
 *
 *     node master.js --model least-loaded --scheduler ./examples/schedulers/responsive.js
 *
 * @typedef {import('../../lib/models/scheduler').WorkerLoad} WorkerLoad
 */

/** A handle unacknowledged this long means its worker is inside a long callback. */
const RESPONSIVE_MS = 2;

/**
 * @param {ReadonlyArray<WorkerLoad>} loads
 * @returns {number | null}
 */
module.exports = function responsive(loads) {
  const free = loads.find((load) => load.inFlight === 0);
  if (free) return free.slot;
  // The fewest in flight, not the youngest: the worker handed the last connection has the youngest
  // oldest handle, and choosing by that piles every connection of a burst onto it.
  /** @type {WorkerLoad | null} */
  let emptiest = null;
  for (const load of loads) if (load.waitedMs < RESPONSIVE_MS && (!emptiest || load.inFlight < emptiest.inFlight)) emptiest = load;
  return emptiest ? emptiest.slot : null;
};
