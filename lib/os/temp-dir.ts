/**
 * lib/os/temp-dir.ts — private temporary directories that do not outlive the kit for long.
 *
 * nginx runs from one (its config, pid file and logs) and rr-pipelined keeps its Unix socket in one.
 * Each is made with mkdtemp(3), so it is mode 0700: no other user can read it, or connect to a socket
 * inside it. Its name carries the pid of the process that made it (`<prefix><pid>-XXXXXX`), and the owner
 * removes it on exit. A process killed by SIGKILL cannot, so the next start removes every directory of
 * that prefix whose process is gone. A reused pid keeps a directory until a later start; another user's
 * directory in a shared /tmp is not ours to remove (EPERM), and stays.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRunning } from './procfs';

export function ownedTempDir(prefix: string): string {
  removeOrphanedDirs(prefix);
  return mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The directories of this prefix made by process `pid`. */
export function tempDirsOf(prefix: string, pid: number): string[] {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith(`${prefix}${pid}-`));
}

function removeOrphanedDirs(prefix: string): void {
  const owner = new RegExp(`^${prefix}(\\d+)-`);
  for (const name of readdirSync(os.tmpdir())) {
    const match = owner.exec(name);
    if (!match || isRunning(Number(match[1]))) continue;
    try {
      rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    } catch {
      // not ours
    }
  }
}
