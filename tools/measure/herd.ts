/**
 * tools/measure/herd.ts — the herd meter: run a load command and count, for each of our processes, how often it
 * was woken and how many of its accept4() calls found nothing to accept.
 *
 * - Wake-ups: voluntary context switches of each process's event loop, before and after (lib/os/procfs.ts).
 * - Failed accepts: accept4() returning EAGAIN (-11). When several processes wait on one socket, the
 *   kernel wakes them all for a connection (the herd); the first takes it and the others' accept4()
 *   fails. libuv then goes back to epoll_wait (uv__server_io in deps/uv/src/unix/stream.c). Counted with
 *   the `syscalls:sys_exit_accept4` tracepoint through `perf stat`, which needs root or a permissive
 *   kernel.perf_event_paranoid; without it we say why and report the wake-ups alone.
 * perf runs the load command itself (`perf stat -p <pids> -- ab ...`), so counting starts before the
 * first connection and stops after the last.
 */
import { spawn, spawnSync } from 'node:child_process';
import { voluntarySwitches } from '../../lib/os/procfs';

export interface ProcessCounts {
  pid: number;
  wakeups: number;
  /** null when perf is not available. */
  accepts: number | null;
  failedAccepts: number | null;
}

export interface HerdRun {
  counts: ProcessCounts[];
  /** What the load command printed on stdout. */
  output: string;
}

const PERF_EVENTS = ['-e', 'syscalls:sys_exit_accept4', '--filter', 'ret == -11', '-e', 'syscalls:sys_exit_accept4'];

/** null if perf can count the accept4 tracepoint here; else one line saying why not. */
export function perfProblem(): string | null {
  const probe = spawnSync('perf', ['stat', '-x,', ...PERF_EVENTS, '--', 'true'], { encoding: 'utf8' });
  if (probe.error) return 'perf is not installed (apt-get install linux-perf); failed accepts not counted';
  if (probe.status !== 0) return `perf cannot trace syscalls here (${probe.stderr.trim().split('\n')[0]}); failed accepts not counted`;
  return null;
}

/**
 * `perf stat --per-thread -x,` prints `comm-tid,count,,event,...` per thread and event, the filtered
 * event first. The event loop is the thread whose id is the pid.
 */
function parsePerf(text: string): Map<number, number[]> {
  const byThread = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    const match = /^.*-(\d+),(\d+|<not counted>),/.exec(line);
    if (!match) continue;
    const counts = byThread.get(Number(match[1])) ?? [];
    counts.push(match[2] === '<not counted>' ? 0 : Number(match[2]));
    byThread.set(Number(match[1]), counts);
  }
  return byThread;
}

/** `usePerf`: count failed accept4() calls too (perf must be usable here: perfProblem() is null). */
export async function underHerdMeter(pids: number[], command: string[], usePerf: boolean): Promise<HerdRun> {
  usePerf &&= pids.length > 0;
  const before = pids.map(voluntarySwitches);
  const argv = usePerf
    ? ['perf', 'stat', '--per-thread', '-x,', ...PERF_EVENTS, '-p', pids.join(','), '--', ...command]
    : command;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { errors += chunk; });
  await new Promise((resolve) => child.once('close', resolve));
  const perf = usePerf ? parsePerf(errors) : new Map<number, number[]>();
  const counts = pids.map((pid, at) => ({
    pid,
    wakeups: voluntarySwitches(pid) - before[at]!,
    failedAccepts: usePerf ? perf.get(pid)?.[0] ?? 0 : null,
    accepts: usePerf ? perf.get(pid)?.[1] ?? 0 : null,
  }));
  return { counts, output };
}
