import t from 'tap';
import { LiveView } from '../lib/live';

t.test('a frame: one bar per worker, counts, the rate over the last second, the running evenness', async (t) => {
  const view = new LiveView('title');
  const slots = (a: number, b: number) => [{ index: 0, pid: 11, connections: a }, { index: 1, pid: 12, connections: b }];
  view.frame(0, slots(0, 0));
  view.frame(500, slots(50, 10));
  const frame = view.frame(1000, slots(100, 20));
  const lines = frame.split('\n');
  t.equal(lines[0], 'title');
  t.match(lines[2], /^worker 0 {2}pid 11 {6}#{40} +100 +100\/s$/);
  t.match(lines[3], /^worker 1 {2}pid 12 {6}#{8} {32} +20 +20\/s$/);
  t.equal(lines[5], 'total 120  120/s  max/min 5.00  Jain\'s index 0.692');
  // Two seconds on, the rate is over the last second only: 40 more connections in that second.
  view.frame(1500, slots(120, 20));
  t.match(view.frame(2000, slots(140, 20)), /^worker 0 .* 140 +40\/s$/m);
  t.match(view.frame(2500, slots(140, 20), ['handoff: a log line']), /\n\nhandoff: a log line\n$/);
});

t.test('before any connection: empty bars, no division by zero', async (t) => {
  const frame = new LiveView('x').frame(0, [{ index: 0, pid: 1, connections: 0 }]);
  t.match(frame, /^worker 0 .* 0 +0\/s$/m);
  t.match(frame, /max\/min 1\.00 {2}Jain's index 1\.000/);
  // A slot that appears later (its worker was still starting) has its rate counted from zero.
  const view = new LiveView('x');
  view.frame(0, [{ index: 0, pid: 1, connections: 0 }]);
  const grown = view.frame(1000, [{ index: 0, pid: 1, connections: 0 }, { index: 1, pid: 2, connections: 3 }]);
  t.match(grown, /^worker 1 .* 3 +3\/s$/m);
  t.match(grown, /max\/min infinite/);
});
