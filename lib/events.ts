/**
 * lib/events.ts — what the master says, as data: the interface between the master and the programs
 * that drive it.
 *
 * Everything the master reports (it is listening, a worker exited, a restart is done, the final count)
 * is one of these events. `node master.js` prints them for people: the two listening lines and the
 * report on stdout, the rest as `handoff: ...` lines on stderr. `node master.js --json` prints every one
 * on stdout as one JSON object per line, and this module is the one place that writes and reads them:
 * the benchmark, the chaos run, the profiler script and the tests read the master through parseEvent(),
 * never through its sentences, so rewording a log line cannot break a measurement.
 */

/** What a worker counts (lib/channel/messages.ts, Counts): the events carry the same numbers. */
interface Counted {
  /** Connections it accepted (or the master handed it new): each once, by the first worker that served it. */
  connections: number;
  requests: number;
  /** Live connections moved to it from another worker, and from it to another. */
  received: number;
  given: number;
  /** Connections it holds now (as of its last report). */
  open: number;
}

/**
 * How busy a worker is, as the master sees it now (what least-loaded's scheduler reads,
 * lib/models/scheduler.ts): all 0 once it has exited.
 */
export interface LoadSeen {
  /** Handles on its pipe it has not acknowledged yet. */
  inFlight: number;
  /** Requests begun and not answered, and its event loop's busy share 0..1, as it last said. */
  inProgress: number;
  utilization: number;
}

/** One worker process: its slot, and what it counted (a killed worker keeps its last report). */
export interface WorkerCounts extends Counted {
  slot: number;
  pid: number;
  /** It exited and another worker took its slot (a crash, a rolling restart). */
  replaced: boolean;
  load: LoadSeen;
}

/** One slot, 0..N-1: every worker that held it, oldest first, and what they counted together. */
export interface SlotCounts extends Counted {
  slot: number;
  pids: number[];
}

export interface ReportEvent {
  type: 'report';
  model: string;
  transport: string;
  slots: SlotCounts[];
  workers: WorkerCounts[];
  /** What the clients did: connections made (a moved one counted once), requests answered. */
  connections: number;
  requests: number;
  /** Live connections that changed worker. */
  moves: number;
  /** Busiest slot over idlest, by connections accepted; null when a slot got nothing (JSON has no Infinity). */
  maxMin: number | null;
  jain: number;
  /** Jain's index of the connections each slot holds now (1 when none is open). */
  openJain: number;
}

export type MasterEvent =
  | { type: 'listening'; url: string; model: string; transport: string; backlog: number; pids: number[]; masterPid: number;
      readyMs: number; node: string; dashboard: string | null }
  | { type: 'worker-ready'; slot: number; pid: number }
  | { type: 'worker-exited'; slot: number; pid: number; code: number | null; signal: string | null;
      /** ms until its replacement is forked; null when it is not replaced (draining, stopping, replaced already). */
      restartInMs: number | null; livedMs: number }
  | { type: 'worker-listen-failed'; slot: number; pid: number; code: string }
  | { type: 'restart-started' }
  | { type: 'restart-step'; slot: number; pid: number; draining: number }
  | { type: 'restart-done'; pids: number[] }
  | { type: 'restart-abandoned'; slot: number; pid: number }
  | { type: 'drain-timeout'; slot: number; pid: number; drainTimeoutMs: number }
  /** A rolling restart's old worker has stopped accepting and hands its live connections to `to`. */
  | { type: 'retiring'; slot: number; pid: number; to: number }
  | { type: 'moved'; from: number; to: number; fromPid: number; toPid: number;
      /** Bytes the connection carried: a half-arrived or pipelined next request. */
      bytes: number }
  | { type: 'move-failed'; from: number; fromPid: number; reason: string }
  | { type: 'stopping'; signal: string; ready: boolean }
  | { type: 'warning'; message: string }
  | { type: 'error'; code: string; message: string }
  | ReportEvent;

export type MasterEventType = MasterEvent['type'];

export function formatEvent(event: MasterEvent): string {
  return JSON.stringify(event);
}

/** A line of `node master.js --json` output as an event, or null if it is not one. */
export function parseEvent(line: string): MasterEvent | null {
  try {
    const value = JSON.parse(line) as { type?: unknown } | null;
    return typeof value?.type === 'string' ? value as MasterEvent : null;
  } catch {
    return null;
  }
}

/**
 * Whether a person hears of the event as it happens: a worker that exits because it was told to (a
 * drain, a stop) is no news, nor is each connection that moves (the report and the dashboard count
 * them). The console and the dashboard's log show the same ones.
 */
export function isNews(event: MasterEvent): boolean {
  if (event.type === 'moved') return false;
  return event.type !== 'worker-exited' || event.restartInMs !== null;
}

/**
 * The sentence a person reads for each event that goes to stderr (listening and report are printed in
 * full by the master and lib/report/report.ts).
 */
export function describeEvent(event: Exclude<MasterEvent, ReportEvent | { type: 'listening' }>): string {
  switch (event.type) {
    case 'worker-ready':
      return `slot ${event.slot}: worker ${event.pid} is ready`;
    case 'worker-exited': {
      const how = event.signal ? `signal ${event.signal}` : `code ${event.code}`;
      if (event.restartInMs === null) return `slot ${event.slot}: worker ${event.pid} exited with ${how}`;
      return `slot ${event.slot}: worker ${event.pid} exited with ${how}; forking a replacement` + (event.restartInMs
        ? ` in ${event.restartInMs} ms (it died ${event.livedMs} ms after its start: a crash loop is slowed down)` : '');
    }
    case 'worker-listen-failed':
      return `slot ${event.slot}: worker ${event.pid} could not listen: ${event.code}`;
    case 'restart-started':
      return 'SIGHUP: rolling restart, one worker at a time';
    case 'restart-step':
      return `slot ${event.slot}: worker ${event.pid} serving, draining worker ${event.draining}`;
    case 'restart-done':
      return `rolling restart done; worker pids ${event.pids.join(' ')}`;
    case 'restart-abandoned':
      return `slot ${event.slot}: the replacement, worker ${event.pid}, did not start; restart abandoned`;
    case 'retiring':
      return `slot ${event.slot}: worker ${event.pid} hands its live connections to worker ${event.to}`;
    case 'moved':
      return `slot ${event.from} → slot ${event.to}: a live connection moved, carrying ${event.bytes} bytes`;
    case 'move-failed':
      return `slot ${event.from}: a connection worker ${event.fromPid} gave back could not move (${event.reason}); closed`;
    case 'drain-timeout':
      return `slot ${event.slot}: worker ${event.pid} did not drain in ${event.drainTimeoutMs} ms; killing it`;
    case 'stopping':
      return event.ready ? `${event.signal}: draining the workers` : `${event.signal} before every worker was ready; stopping them`;
    case 'warning':
    case 'error':
      return event.message;
  }
}
