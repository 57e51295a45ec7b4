/**
 * lib/chaos.ts — kill -9 a random worker every so often, under load, and account for every request.
 *
 * What a reader wants to know from it, per model:
 *   - how many requests failed, beside how many could have: the connections open in each worker at
 *     the moment it was killed (its sockets in /proc/<pid>/fd, less the listening socket and the IPC
 *     channel). A model that loses more than that lost connections nobody was serving yet;
 *   - how long the master took to have every slot serving again (kill → the replacement's "is ready");
 *   - whether the counts add up: the requests the workers reported (a killed worker's last report
 *     included) against the responses the client got. The gap is what killed workers served after their
 *     last report (lib/ipc.ts, COUNT_INTERVAL_MS), which no process lived to tell.
 */
import { runLoad, type LoadRun } from './load';
import { socketCount, workerPids } from './procfs';

export interface ChaosOptions {
  url: URL;
  masterPid: number;
  durationMs: number;
  killEveryMs: number;
  concurrency: number;
}

export interface ChaosRun {
  load: LoadRun;
  kills: number;
  /** Σ over kills of the connections open in the killed worker. */
  inFlightAtKills: number;
  /** ms each slot was out of service: from a kill to its replacement being ready. */
  recoveryMs: number[];
}

/**
 * Feed it the master's log lines; it matches each kill to the readiness of the slot's next worker. A
 * replacement killed before it was ready starts a new measurement (the chaos run kills at random, the
 * starting workers too): each kill is timed to the first worker ready after it.
 */
export class RecoveryClock {
  private readonly killedAt = new Map<number, number>();
  private readonly slotKilledAt = new Map<number, number>();
  readonly recoveryMs: number[] = [];

  killed(pid: number): void {
    this.killedAt.set(pid, Date.now());
  }

  onMasterLine(line: string): void {
    const exited = /worker (\d+) \(pid (\d+)\) exited/.exec(line);
    if (exited && this.killedAt.has(Number(exited[2]))) {
      this.slotKilledAt.set(Number(exited[1]), this.killedAt.get(Number(exited[2]))!);
    }
    const ready = /worker (\d+) \(pid \d+\) is ready/.exec(line);
    const since = ready && this.slotKilledAt.get(Number(ready[1]));
    if (ready && since) {
      this.recoveryMs.push(Date.now() - since);
      this.slotKilledAt.delete(Number(ready[1]));
    }
  }

  /** How long each slot that is still out of service has been. */
  openOutagesMs(): number[] {
    return [...this.slotKilledAt.values()].map((since) => Date.now() - since);
  }
}

export async function runChaos(options: ChaosOptions, clock: RecoveryClock): Promise<ChaosRun> {
  // What an idle worker holds (its IPC channel; its listening socket in the models where it listens)
  // is not in flight: measured before the load starts.
  const idleSockets = Math.min(...workerPids(options.masterPid).map(socketCount));
  let kills = 0;
  let inFlightAtKills = 0;
  const killer = setInterval(() => {
    const pids = workerPids(options.masterPid);
    const victim = pids[Math.floor(Math.random() * pids.length)];
    if (victim === undefined) return;
    const inFlight = Math.max(0, socketCount(victim) - idleSockets);
    try {
      process.kill(victim, 'SIGKILL');
    } catch {
      return;
    }
    clock.killed(victim);
    kills++;
    inFlightAtKills += inFlight;
  }, options.killEveryMs);
  try {
    const load = await runLoad({
      url: options.url, requests: Number.MAX_SAFE_INTEGER, concurrency: options.concurrency,
      keepAlive: false, durationMs: options.durationMs, timeoutMs: 5000,
    });
    return { load, kills, inFlightAtKills, recoveryMs: clock.recoveryMs };
  } finally {
    clearInterval(killer);
  }
}
