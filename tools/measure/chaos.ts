/**
 * tools/measure/chaos.ts — kill -9 a random worker every so often, under load, and account for every request.
 *
 * What a reader wants to know from it, per model:
 *   - how many requests failed, beside how many could have: the connections open in each worker at
 *     the moment it was killed (its sockets in /proc/<pid>/fd, less the ones an idle worker holds: its
 *     listening socket and IPC channels). A model that loses more than that lost connections nobody was
 *     serving yet;
 *   - how long each slot was out of service: from a kill to the moment its next worker was ready;
 *   - whether the counts add up: the requests the workers reported (a killed worker's last report
 *     included) against the responses the client got. The gap is what killed workers served after their
 *     last report (lib/channel/messages.ts, COUNT_INTERVAL_MS), which no process lived to tell.
 * The killer kills a fixed number of times, one every `killEveryMs` from the start: a model that stalls
 * gets no more kills (and no larger allowance) than one that keeps up.
 */
import type { MasterEvent } from '../../lib/events';
import { socketCount, workerPids } from '../../lib/os/procfs';
import { runLoad, type LoadRun } from './load';

export interface ChaosOptions {
  url: URL;
  masterPid: number;
  durationMs: number;
  killEveryMs: number;
  concurrency: number;
  /** Kept-alive connections (undici's pool) instead of one per request: a kill takes every one its victim held. */
  keepAlive?: boolean;
}

export interface Kill {
  pid: number;
  at: number;
  /** Connections open in the victim when it was killed. */
  inFlight: number;
}

export interface ChaosRun {
  load: LoadRun;
  kills: Kill[];
  /** ms each slot was out of service: from a kill to its next worker being ready. */
  recoveryMs: number[];
  /** When each response arrived (Date.now()), by the slot that sent it. */
  responsesBySlot: Map<number, number[]>;
}

/** How many responses a slot sent between two instants: an upper bound on what one of its workers served then. */
export function responsesBetween(run: ChaosRun, slot: number, from: number, to: number): number {
  return (run.responsesBySlot.get(slot) ?? []).filter((at) => at >= from && at <= to).length;
}

/**
 * Matches each kill to the readiness of its slot's next worker, from the master's events. A slot is out
 * of service from the first kill until a worker in it is ready again: a replacement killed before it was
 * ready extends that outage, it does not start a new one.
 */
export class RecoveryClock {
  private readonly killedAt = new Map<number, number>();
  private readonly outageSince = new Map<number, number>();
  readonly recoveryMs: number[] = [];

  killed(pid: number, at = Date.now()): void {
    this.killedAt.set(pid, at);
  }

  onEvent(event: MasterEvent, now = Date.now()): void {
    if (event.type === 'worker-exited') {
      const at = this.killedAt.get(event.pid);
      if (at !== undefined && !this.outageSince.has(event.slot)) this.outageSince.set(event.slot, at);
    } else if (event.type === 'worker-ready') {
      const since = this.outageSince.get(event.slot);
      if (since === undefined) return;
      this.recoveryMs.push(now - since);
      this.outageSince.delete(event.slot);
    }
  }

  /** How long each slot that is still out of service has been. */
  openOutagesMs(now = Date.now()): number[] {
    return [...this.outageSince.values()].map((since) => now - since);
  }
}

/**
 * SIGSTOP, count its connections, SIGKILL: stopped, it cannot take another connection between the
 * count and the kill. Null if it was gone already.
 */
function stopCountAndKill(victim: number, idleSockets: number): number | null {
  try {
    process.kill(victim, 'SIGSTOP');
  } catch {
    return null;
  }
  const inFlight = Math.max(0, socketCount(victim) - idleSockets);
  process.kill(victim, 'SIGKILL');
  return inFlight;
}

export async function runChaos(options: ChaosOptions, clock: RecoveryClock): Promise<ChaosRun> {
  // What an idle worker holds (its IPC channels; its listening socket in the models where it listens)
  // is not in flight: measured before the load starts.
  const idleSockets = Math.min(...workerPids(options.masterPid).map(socketCount));
  const kills: Kill[] = [];
  const planned = Math.floor(options.durationMs / options.killEveryMs);
  const killer = setInterval(() => {
    if (kills.length >= planned) return clearInterval(killer);
    const pids = workerPids(options.masterPid);
    const victim = pids[Math.floor(Math.random() * pids.length)];
    if (victim === undefined) return;
    const inFlight = stopCountAndKill(victim, idleSockets);
    if (inFlight === null) return;
    clock.killed(victim);
    kills.push({ pid: victim, at: Date.now(), inFlight });
  }, options.killEveryMs);
  const responsesBySlot = new Map<number, number[]>();
  try {
    const load = await runLoad({
      url: options.url, requests: Number.MAX_SAFE_INTEGER, concurrency: options.concurrency,
      keepAlive: options.keepAlive ?? false, durationMs: options.durationMs, timeoutMs: 5000,
      onResponse: (slot) => {
        if (!responsesBySlot.has(slot)) responsesBySlot.set(slot, []);
        responsesBySlot.get(slot)!.push(Date.now());
      },
    });
    return { load, kills, recoveryMs: clock.recoveryMs, responsesBySlot };
  } finally {
    clearInterval(killer);
  }
}
