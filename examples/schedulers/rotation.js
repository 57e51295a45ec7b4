// @ts-check
/**
 * examples/schedulers/rotation.js — plain rotation, blind to load: what `rr-pipelined` does, as a
 * scheduler. `loads` comes in turn order (the worker after the last one chosen first), so taking the
 * first is taking turns, without waiting for acknowledgements; a scheduler keeps no state of its own
 * for that.
 *
 *     node master.js --model least-loaded --scheduler ./examples/schedulers/rotation.js
 *
 * @param {ReadonlyArray<import('../../lib/models/scheduler').WorkerLoad>} loads
 * @returns {number} the slot of the chosen worker
 */
exports.choose = (loads) => loads[0].slot;
