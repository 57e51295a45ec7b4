/**
 * lib/os/procfs.ts — what /proc says about the kit's processes (Linux only; see proc(5)).
 *
 * Workers carry `--master-pid <pid>` on their command line (lib/channel/messages.ts, workerArgv) so anyone can find
 * a master's workers with `ps`; the chaos run, the herd meter, the dashboard and the tests find them
 * this way too.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces), or null. */
function statFields(pid: number): string[] | null {
  const stat = readOr(`/proc/${pid}/stat`, '');
  const end = stat.lastIndexOf(')');
  return end === -1 ? null : stat.slice(end + 2).split(' ');
}

/**
 * Whether a process is running: it exists and is not a zombie (state Z: dead, waiting for its parent
 * to collect its exit status). One meaning everywhere in the kit.
 */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Every live process's command line, by pid. */
function commandLines(): Array<{ pid: number; argv: string[] }> {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .map((entry) => ({ pid: Number(entry), argv: readOr(`/proc/${entry}/cmdline`, '').split('\0') }));
}

/** Running processes whose command line says they are workers of this master. */
export function workerPids(masterPid: number): number[] {
  return commandLines().filter(({ pid, argv }) => {
    const at = argv.indexOf('--master-pid');
    return at > 0 && argv[at + 1] === String(masterPid) && argv.some((arg) => arg.endsWith('worker.js')) && isRunning(pid);
  }).map(({ pid }) => pid);
}

/** Running processes with `text` somewhere in their command line (a temporary directory's path, say). */
export function processesMentioning(text: string): number[] {
  return commandLines().filter(({ pid, argv }) => argv.some((arg) => arg.includes(text)) && isRunning(pid)).map(({ pid }) => pid);
}

/** Running children of a process, with their command names. */
export function childrenOf(parent: number): Array<{ pid: number; command: string }> {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).flatMap((entry) => {
    const fields = statFields(Number(entry));
    if (!fields || Number(fields[1]) !== parent || fields[0] === 'Z') return [];
    const command = /\((.*)\)/.exec(readOr(`/proc/${entry}/stat`, ''))?.[1] ?? '';
    return [{ pid: Number(entry), command }];
  });
}

/**
 * How many times the process's main thread (the event loop) went to sleep waiting for something
 * (epoll_wait, a read) and was woken: `voluntary_ctxt_switches` in /proc/<pid>/status, which counts the
 * thread whose id is the pid. An idle event loop woken for a connection another process then takes is
 * one wasted switch: the herd, counted.
 */
export function voluntarySwitches(pid: number): number {
  const match = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readOr(`/proc/${pid}/status`, ''));
  return match ? Number(match[1]) : 0;
}

let ticksPerSecond = 0;

/**
 * CPU time the process has used, all its threads, in user and kernel mode: utime + stime, fields 14
 * and 15 of /proc/<pid>/stat, in clock ticks (sysconf(_SC_CLK_TCK), 100 on Linux), as µs. 0 if it is gone.
 */
export function cpuMicros(pid: number): number {
  ticksPerSecond ||= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  const fields = statFields(pid);
  if (!fields) return 0;
  // Fields are numbered from 1 with pid and comm first; `fields` starts at field 3 (state).
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / ticksPerSecond);
}

/** cpuMicros of every process in `pids`, together: what a server (its master and workers) has used. */
export function cpuMicrosOf(pids: readonly number[]): number {
  return pids.reduce((total, pid) => total + cpuMicros(pid), 0);
}

/** Sockets the process holds open (its listening socket and IPC channel included). */
export function socketCount(pid: number): number {
  let sockets = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  for (const fd of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed while we looked
    }
  }
  return sockets;
}

/** Every fd the process holds open. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** A process and every process below it (its children, theirs, ...): a server and all its workers. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (!parents.has(parent)) parents.set(parent, []);
    parents.get(parent)!.push(Number(entry));
  }
  const tree = [root];
  for (let at = 0; at < tree.length; at++) tree.push(...(parents.get(tree[at]!) ?? []));
  return tree.filter(isRunning);
}
