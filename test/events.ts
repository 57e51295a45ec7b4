/**
 * lib/events.ts: the master's events, written and read back, and the sentence a person reads for each.
 */
import t from 'tap';
import { describeEvent, formatEvent, parseEvent, type MasterEvent } from '../lib/events';

t.test('an event is one JSON line, and reads back as itself', async (t) => {
  const event: MasterEvent = { type: 'worker-exited', slot: 2, pid: 77, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 1500 };
  const line = formatEvent(event);
  t.notMatch(line, /\n/);
  t.same(parseEvent(line), event);
  for (const notAnEvent of ['', 'handoff: worker 2 (pid 77) is ready', '{"no":"type"}', '{"type":3}', '{broken', 'null', '[1]', '"type"', '7']) {
    t.equal(parseEvent(notAnEvent), null, notAnEvent);
  }
});

t.test('what a person reads for each event', async (t) => {
  const cases: Array<[Parameters<typeof describeEvent>[0], string]> = [
    [{ type: 'worker-ready', slot: 1, pid: 9 }, 'worker 1 (pid 9) is ready'],
    [{ type: 'worker-exited', slot: 1, pid: 9, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 5 },
      'worker 1 (pid 9) exited with signal SIGKILL; forking a replacement'],
    [{ type: 'worker-exited', slot: 0, pid: 9, code: 1, signal: null, restartInMs: 400, livedMs: 120 },
      'worker 0 (pid 9) exited with code 1; forking a replacement in 400 ms (it died 120 ms after its start: a crash loop is slowed down)'],
    [{ type: 'worker-exited', slot: 0, pid: 9, code: 0, signal: null, restartInMs: null, livedMs: 120 }, 'worker 0 (pid 9) exited with code 0'],
    [{ type: 'worker-listen-failed', slot: 2, pid: 9, code: 'EACCES' }, 'worker 2 (pid 9) could not listen: EACCES'],
    [{ type: 'restart-started' }, 'SIGHUP: rolling restart, one worker at a time'],
    [{ type: 'restart-step', slot: 0, pid: 10, draining: 9 }, 'worker 0: pid 10 serving, draining pid 9'],
    [{ type: 'restart-done', pids: [10, 11] }, 'rolling restart done; worker pids 10 11'],
    [{ type: 'restart-abandoned', slot: 3, pid: 12 }, 'worker 3\'s replacement (pid 12) did not start; restart abandoned'],
    [{ type: 'drain-timeout', slot: 0, pid: 9, drainTimeoutMs: 300 }, 'worker 0 (pid 9) did not drain in 300 ms; killing it'],
    [{ type: 'stopping', signal: 'SIGTERM', ready: true }, 'SIGTERM: draining the workers'],
    [{ type: 'stopping', signal: 'SIGINT', ready: false }, 'SIGINT before every worker was ready; stopping them'],
    [{ type: 'warning', message: 'careful' }, 'careful'],
    [{ type: 'error', code: 'EADDRINUSE', message: 'port 1 on 127.0.0.1 is already in use' }, 'port 1 on 127.0.0.1 is already in use'],
  ];
  for (const [event, sentence] of cases) t.equal(describeEvent(event), sentence, event.type);
});
