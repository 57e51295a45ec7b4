import t from 'tap';
import { LiveView } from '../lib/report/live';
import { RateMeter } from '../lib/report/rates';

t.test('a frame: one bar per slot, counts, the rate over the last second, the running evenness', async (t) => {
  const view = new LiveView('title');
  const slots = (a: number, b: number) => [{ slot: 0, pid: 11, connections: a }, { slot: 1, pid: 12, connections: b }];
  view.frame(0, slots(0, 0));
  view.frame(500, slots(50, 10));
  const frame = view.frame(1000, slots(100, 20));
  const lines = frame.split('\n');
  t.equal(lines[0], 'title');
  t.match(lines[2], /^worker 0 {2}pid 11 {6}#{40} +100 +100\/s$/);
  t.match(lines[3], /^worker 1 {2}pid 12 {6}#{8} {32} +20 +20\/s$/);
  t.equal(lines[5], 'total 120  120/s  max/min 5.00  Jain\'s index 0.692');
  t.match(view.frame(2500, slots(140, 20), ['handoff: a log line']), /\n\nhandoff: a log line\n$/);
});

t.test('before any connection: empty bars, no division by zero', async (t) => {
  const frame = new LiveView('x').frame(0, [{ slot: 0, pid: 1, connections: 0 }]);
  t.match(frame, /^worker 0 .* 0 +0\/s$/m);
  t.match(frame, /max\/min 1\.00 {2}Jain's index 1\.000/);
  const view = new LiveView('x');
  view.frame(0, [{ slot: 0, pid: 1, connections: 0 }]);
  t.match(view.frame(1000, [{ slot: 0, pid: 1, connections: 0 }, { slot: 1, pid: 2, connections: 3 }]), /max\/min infinite/);
});

t.test('rates: against the newest snapshot at least a second old', async (t) => {
  const meter = new RateMeter();
  t.same(meter.rates(0, [0, 0]), [0, 0], 'the first snapshot has nothing to compare with');
  t.same(meter.rates(500, [50, 10]), [100, 20], 'half a second: against the first');
  t.same(meter.rates(1000, [100, 20]), [100, 20]);
  t.same(meter.rates(1500, [120, 20]), [70, 10], 'a second and a half: against the one at 500 ms');
  t.same(meter.rates(2000, [140, 20]), [40, 0], 'against the one at 1000 ms');
  t.same(meter.rates(2000, [140, 20, 7]), [40, 0, 7], 'a slot that appears later counts from zero');
  const fresh = new RateMeter();
  fresh.rates(5, [3]);
  t.same(fresh.rates(5, [4]), [1000], 'two calls in the same millisecond divide by 1 ms, not by zero');
});
