/**
 * The supervisor's restart policy as a pure function: at once, unless the worker keeps dying young by
 * itself; then 100, 200, 400 ... ms, up to 10 s.
 */
import t from 'tap';
import { FIRST_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, restartDelay, STABLE_AFTER_MS } from '../../lib/supervisor/restart-policy';

t.test('a worker that lived long enough is replaced at once, and the count starts again', async (t) => {
  t.equal(restartDelay(0, STABLE_AFTER_MS, null), 0);
  t.equal(restartDelay(6400, STABLE_AFTER_MS + 1, 'SIGSEGV'), 0);
});

t.test('a worker that dies young by itself: each replacement waits twice as long as the last', async (t) => {
  const chain: number[] = [];
  let delay = 0;
  for (let crash = 0; crash < 10; crash++) chain.push(delay = restartDelay(delay, STABLE_AFTER_MS - 1, crash % 2 ? null : 'SIGABRT'));
  t.same(chain, [100, 200, 400, 800, 1600, 3200, 6400, MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS]);
  t.equal(chain[0], FIRST_RESTART_DELAY_MS);
});

t.test('a worker killed from outside is no crash loop, however young', async (t) => {
  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT']) t.equal(restartDelay(800, 5, signal), 0, signal);
  t.equal(restartDelay(800, 5, 'SIGSEGV'), 1600, 'a signal of its own making is');
});
