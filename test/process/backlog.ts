/**
 * The listen backlog. The article's `server.listen()` passes no backlog and Node's TCPWrap turns that
 * into listen(fd, 0): the kernel then queues a single connection (sk_acceptq_is_full() in
 * include/net/sock.h is `>`, not `>=`), drops the SYNs of the rest, and the clients retry after a
 * second (the initial RTO). The kit listens with 511 unless told otherwise.
 *
 * The overflows are counted by the kernel per network namespace (TcpExt ListenOverflows), and other
 * test files open connections all the time, so each burst runs in a namespace of its own
 * (test/helpers/burst-in-netns.js under `unshare -n`, which needs root: CI runs as root).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import t, { type Test } from 'tap';
import { MASTER } from '../../lib/os/paths';
import { RunningMaster, spawnAsUser } from '../helpers/master';
import { EVENT_MS, STARTUP_MS, within } from '../helpers/wait';

const BURST = 300;
const CAN_UNSHARE = spawnSync('unshare', ['-n', 'true']).status === 0;
const NEEDS_NETNS = { skip: CAN_UNSHARE ? false : 'needs `unshare -n` (root, or a user namespace)' };

interface Burst { backlog: number; overflows: number; served: number; failed: number; ms: number; code: number; accepted: number }

async function burstInNamespace(t: Test, flags: string[]): Promise<Burst> {
  const runner = path.join(__dirname, '..', 'helpers', 'burst-in-netns.js');
  const child = spawnAsUser(t, 'unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, runner, MASTER, String(BURST), ...flags]);
  const run = new RunningMaster(child);
  t.teardown(() => child.kill('SIGKILL'));
  t.equal(await within(run.exited, STARTUP_MS + 2 * EVENT_MS, 'the burst in its namespace to finish'), 0, run.stderr.join('\n'));
  return JSON.parse(run.stdout.at(-1)!) as Burst;
}

t.test('by default the kernel is asked for a backlog of 511, and a burst overflows nothing', NEEDS_NETNS, async (t) => {
  const result = await burstInNamespace(t, []);
  t.equal(result.backlog, 511);
  t.equal(result.overflows, 0, 'no SYN dropped');
  t.equal(result.served, BURST, 'every connection served');
  t.equal(result.accepted, BURST, 'and accepted once');
  t.equal(result.code, 0);
});

t.test('--backlog 0, the article\'s listen(): the queue overflows and SYNs are dropped', NEEDS_NETNS, async (t) => {
  const result = await burstInNamespace(t, ['--backlog', '0']);
  t.equal(result.backlog, 0);
  t.ok(result.overflows > 0, `${result.overflows} accept-queue overflows (TcpExt ListenOverflows) for ${BURST} connects`);
  t.comment(`${result.served} served, ${result.failed} reset, in ${result.ms} ms: dropped SYNs are retried after 1 s`);
  t.ok(result.accepted >= result.served && result.accepted <= BURST, `workers accepted ${result.accepted}: every served connection, and no phantom`);
});
