/**
 * The chaos run's recovery clock, in process: a slot is out of service from its first kill until a worker
 * in it is ready again, however many replacements are killed before one is.
 */
import t from 'tap';
import { RecoveryClock } from '../lib/measure/chaos';

const exited = (slot: number, pid: number) => ({ type: 'worker-exited' as const, slot, pid, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 5 });
const ready = (slot: number, pid: number) => ({ type: 'worker-ready' as const, slot, pid });

t.test('a kill is timed to the next ready worker in its slot', async (t) => {
  const clock = new RecoveryClock();
  clock.killed(10, 1000);
  clock.onEvent(exited(0, 10), 1001);
  t.same(clock.openOutagesMs(1100), [100]);
  clock.onEvent(ready(1, 20), 1150);
  t.same(clock.recoveryMs, [], 'another slot\'s worker does not end the outage');
  clock.onEvent(ready(0, 11), 1200);
  t.same(clock.recoveryMs, [200]);
  t.same(clock.openOutagesMs(1300), []);
});

t.test('a replacement killed before it was ready extends the outage; it does not start a new one', async (t) => {
  const clock = new RecoveryClock();
  clock.killed(10, 1000);
  clock.onEvent(exited(2, 10), 1001);
  clock.killed(11, 1100);
  clock.onEvent(exited(2, 11), 1101);
  clock.onEvent(ready(2, 12), 1400);
  t.same(clock.recoveryMs, [400], 'from the first kill');
});

t.test('an exit the chaos run did not cause is not timed', async (t) => {
  const clock = new RecoveryClock();
  clock.onEvent(exited(0, 99), 1000);
  clock.onEvent(ready(0, 100), 1100);
  t.same(clock.recoveryMs, []);
  clock.onEvent({ type: 'restart-started' }, 1200);
  t.same(clock.openOutagesMs(1300), []);
});
