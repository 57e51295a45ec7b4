/**
 * Waiting, with a limit that says what it waited for. A test that waits without a limit fails, if at
 * all, on tap's own file timeout, with no word on what never happened.
 *
 * The limits are for a busy 2-core machine (two busy loops beside the suite, issue 11): there every
 * process gets about a third of a core, and what takes 0.4 s idle (a master and four workers ready)
 * takes a few seconds. None of them is a measurement: each only says "this did not happen at all".
 */

/** A master with four workers is ready in ~0.4 s idle; the master itself gives up after 10 s (START_TIMEOUT_MS). */
export const STARTUP_MS = 30_000;
/** A line or event that follows from something the test just did (a kill, a request, a signal). */
export const EVENT_MS = 20_000;

export class WaitTimeout extends Error {}

/** The promise's value, or a WaitTimeout after `ms` that names what never came. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(`waited ${ms} ms for ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Polls `condition` every `everyMs` until it holds; a WaitTimeout after `ms`. For what has no event:
 * the death of a process that is not our child, a count in /proc.
 */
export async function until(condition: () => boolean, ms: number, what: string, everyMs = 10): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new WaitTimeout(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Date.now() - started;
}

/** As until(), for a condition that has to ask something (an HTTP endpoint, say). */
export async function untilAsync(condition: () => Promise<boolean>, ms: number, what: string, everyMs = 50): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new WaitTimeout(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Date.now() - started;
}
