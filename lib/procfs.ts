/**
 * lib/procfs.ts — what /proc says about the kit's processes (Linux only; see proc(5)).
 *
 * Workers carry `--master-pid <pid>` on their command line (lib/ipc.ts, workerArgv) so anyone can find
 * a master's workers with `ps`; the chaos run, the herd meter and the tests find them this way too.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** Every live process's command line, by pid. */
function commandLines(): Array<{ pid: number; argv: string[] }> {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
    .map((entry) => ({ pid: Number(entry), argv: readOr(`/proc/${entry}/cmdline`, '').split('\0') }));
}

/** kill(pid, 0): the process exists (EPERM: it does, and is not ours to signal). A zombie still does. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live processes whose command line says they are workers of this master. */
export function workerPids(masterPid: number): number[] {
  return commandLines().filter(({ argv }) => {
    const at = argv.indexOf('--master-pid');
    return at > 0 && argv[at + 1] === String(masterPid) && argv.some((arg) => arg.endsWith('worker.js'));
  }).map(({ pid }) => pid);
}

/** Live processes with `text` somewhere in their command line (a temporary directory's path, say). */
export function processesMentioning(text: string): number[] {
  return commandLines().filter(({ argv }) => argv.some((arg) => arg.includes(text))).map(({ pid }) => pid);
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
