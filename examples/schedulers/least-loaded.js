// @ts-check
/**
 * examples/schedulers/least-loaded.js — the kit's default scheduler (lib/models/scheduler.ts), as a
 * module of your own would be written. Copy it, change the rule, and run
 *
 *     node master.js --model least-loaded --scheduler ./my-scheduler.js
 *
 * The master calls it once per new connection with what it knows of every worker that can take one,
 * in turn order, and hands the connection to the slot it returns. If it throws, or returns a slot that
 * is not among `loads`, the master says so (once a second at most) and takes the next worker in turn.
 */

/**
 * The fewest handles in flight, then the least busy event loop (in quarters), then the fewest
 * connections held and requests in progress; ties to the first, which is the next in turn.
 * @param {ReadonlyArray<import('../../lib/models/scheduler').WorkerLoad>} loads
 * @returns {number} the slot of the chosen worker
 */
module.exports = function leastLoaded(loads) {
  const key = (/** @type {import('../../lib/models/scheduler').WorkerLoad} */ load) =>
    [load.inFlight, Math.round(load.utilization * 4), load.open + load.inProgress];
  let best = loads[0];
  for (const load of loads) {
    const [a, b] = [key(load), key(best)];
    const difference = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    if (difference < 0) best = load;
  }
  return best.slot;
};
