/**
 * lib/supervisor/restart-policy.ts — how soon a dead worker is replaced: at once, unless it is a crash loop.
 *
 * A crash loop is a worker that keeps dying young by itself: an exit code, or a signal of its own
 * making (SIGSEGV, SIGABRT). Forking it again at once would turn the master into a fork bomb, so each
 * replacement that dies within STABLE_AFTER_MS of its start waits twice as long as the last, from
 * FIRST_RESTART_DELAY_MS up to MAX_RESTART_DELAY_MS. A worker that lived longer starts the count again.
 * One killed from outside (kill -9, the OOM killer, the chaos run) is replaced at once, however young:
 * that is not a loop it can fall into by itself.
 */

/** A worker that dies sooner than this after its start counts as a crash loop. */
export const STABLE_AFTER_MS = 1000;
export const FIRST_RESTART_DELAY_MS = 100;
export const MAX_RESTART_DELAY_MS = 10_000;

const FROM_OUTSIDE = new Set(['SIGKILL', 'SIGTERM', 'SIGINT']);

/** ms to wait before forking the replacement, given the last delay for this slot and how the worker died. */
export function restartDelay(previousDelayMs: number, livedMs: number, signal: string | null): number {
  if (livedMs >= STABLE_AFTER_MS || (signal !== null && FROM_OUTSIDE.has(signal))) return 0;
  return Math.min(MAX_RESTART_DELAY_MS, previousDelayMs * 2 || FIRST_RESTART_DELAY_MS);
}
