// @ts-check
/**
 * examples/schedulers/least-loaded.js — the kit's default scheduler (lib/models/scheduler.ts), as a
 * module of your own would be written. Copy it, change the rule, and run
 *
 *     node master.js --model least-loaded --scheduler ./my-scheduler.js
 *
 * The master calls it once per new connection with what it knows of every worker that can take one,
 * in turn order, and hands the connection to the slot it returns; null keeps the connection in the
 * master until the next worker acknowledges (only while every worker has a handle in flight). If it
 * throws, or returns anything else, the master says so (once a second at most) and takes the next
 * worker in turn.
 *
 * @typedef {import('../../lib/models/scheduler').WorkerLoad} WorkerLoad
 */

/**
 * Only a worker with nothing in flight; among those the least busy event loop (in quarters), then the
 * fewest connections held and requests in progress; ties to the first, which is the next in turn.
 * @param {ReadonlyArray<WorkerLoad>} loads
 * @returns {number | null} the slot of the chosen worker, or null to wait
 */
module.exports = function leastLoaded(loads) {
  /** @type {WorkerLoad | null} */
  let best = null;
  for (const load of loads) {
    if (load.inFlight > 0) continue;
    if (!best) best = load;
    const busier = Math.round(load.utilization * 4) - Math.round(best.utilization * 4);
    if (busier < 0 || (busier === 0 && load.open + load.inProgress < best.open + best.inProgress)) best = load;
  }
  return best ? best.slot : null;
};
