/**
 * lib/http/work.ts — `GET /work?us=N`: a request that costs N microseconds of the worker's CPU.
 *
 * The kit's other answers cost a few microseconds, so every model looks fine once the counts are even.
 * Real servers mix requests that cost nothing with requests that cost milliseconds, and then what
 * matters is whether a cheap request waits behind an expensive one. This route burns its time on the
 * event loop, as a synchronous handler would (a template render, a JSON.parse of a large body): while
 * it runs the worker reads nothing, accepts nothing and acknowledges nothing, which is what the models
 * and the least-loaded scheduler (lib/models/least-loaded.ts) are measured against.
 */

/** The most one request may burn. A larger `us` is refused with 400, never spun. */
export const MAX_WORK_US = 100_000;
const WORK_PATH = '/work';
const MICROSECONDS = /^\d{1,9}$/;

/**
 * What a request target asks to burn: null if it is not `/work` (an ordinary request), `'bad'` if it is
 * `/work` with `us` missing, repeated, not a whole number, or over MAX_WORK_US (400), else the microseconds.
 */
export function workOf(target: string): number | 'bad' | null {
  // Every request comes through here: nothing is allocated unless the path is /work.
  if (!target.startsWith(WORK_PATH) || (target.length > WORK_PATH.length && target[WORK_PATH.length] !== '?')) return null;
  const values = new URLSearchParams(target.slice(WORK_PATH.length + 1)).getAll('us');
  if (values.length !== 1 || !MICROSECONDS.test(values[0]!)) return 'bad';
  const microseconds = Number(values[0]);
  return microseconds <= MAX_WORK_US ? microseconds : 'bad';
}

/** Burns `microseconds` of CPU on this thread: a busy loop on the monotonic clock, nothing else runs meanwhile. */
export function burn(microseconds: number): void {
  const until = performance.now() + microseconds / 1000;
  while (performance.now() < until);
}
