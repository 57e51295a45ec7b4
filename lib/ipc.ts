/**
 * lib/ipc.ts — every message that crosses the IPC channel between the master and a worker.
 *
 * `child_process.fork()` opens a Unix socketpair as fd 3 of the child (NODE_CHANNEL_FD) and speaks
 * newline-delimited JSON over it; a handle rides along as SCM_RIGHTS ancillary data on the same write.
 * Anything can arrive on that channel (a confused worker, a future version of this file), so each side
 * checks a message's shape before acting on it and ignores what it does not recognise.
 */
import { parseArgs } from 'node:util';

/**
 * Master → worker. A handle travels with `serve-shared` (the listening socket) and `serve-client` (one
 * accepted connection, to be acknowledged with `accepted` if `ack` is set). `serve-handed` tells a worker
 * that connections will come that way (rr, rr-idle). `serve-net` asks the worker to listen itself, on the
 * public net API (Node's cluster, whose listen() goes to the primary). A worker answers
 * each serve-* message but serve-client with `ready`, or with `listen-failed`.
 *
 * `drain` asks a worker to stop accepting, finish the requests it has started, close its connections,
 * say `drained` with its final count, and exit. child_process keeps messages in order even when a handle
 * is waiting for its ACK (later messages queue behind it, `_handleQueue` in lib/internal/child_process.js),
 * so every connection sent before `drain` reaches the worker before `drain` does.
 */
export type MasterMessage =
  | { type: 'serve-shared'; backlog: number }
  | { type: 'serve-client'; ack: boolean }
  | { type: 'serve-handed' }
  | { type: 'serve-net'; host: string; port: number; backlog: number }
  | { type: 'drain' };

/**
 * Worker → master. Errors travel as errno numbers, like Node's own cluster (shared_handle.js). `count`
 * comes unasked, every COUNT_INTERVAL_MS while it changes: the master's live view and the counts of a
 * worker that was killed come from it.
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'accepted' }
  | { type: 'listen-failed'; syscall: string; errno: number; port: number }
  | { type: 'count' | 'drained'; connections: number; requests: number; acceptErrors: number };

export type WorkerCount = Extract<WorkerMessage, { type: 'count' | 'drained' }>;

/**
 * How often a worker reports its count. A worker killed with SIGKILL loses what it served since its
 * last report from the master's tally: at most this long of its traffic.
 */
export const COUNT_INTERVAL_MS = 100;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function parseWorkerMessage(value: unknown): WorkerMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'ready':
    case 'accepted':
      return { type: value.type };
    case 'listen-failed':
      // A libuv errno is negative; anything else would make util.getSystemErrorName() throw in the master.
      if (typeof value.syscall !== 'string' || !Number.isInteger(value.errno) || (value.errno as number) >= 0 ||
        !isCount(value.port)) return null;
      return { type: 'listen-failed', syscall: value.syscall, errno: value.errno as number, port: value.port };
    case 'count':
    case 'drained':
      if (!isCount(value.connections) || !isCount(value.requests) || !isCount(value.acceptErrors)) return null;
      return { type: value.type, connections: value.connections, requests: value.requests, acceptErrors: value.acceptErrors };
    default:
      return null;
  }
}

export function parseMasterMessage(value: unknown): MasterMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'serve-shared':
      return isCount(value.backlog) ? { type: 'serve-shared', backlog: value.backlog } : null;
    case 'serve-client':
      return typeof value.ack === 'boolean' ? { type: 'serve-client', ack: value.ack } : null;
    case 'serve-net':
      if (typeof value.host !== 'string' || !isCount(value.port) || (value.port as number) > 65535 ||
        !isCount(value.backlog)) return null;
      return { type: 'serve-net', host: value.host, port: value.port, backlog: value.backlog };
    case 'serve-handed':
    case 'drain':
      return { type: value.type };
    default:
      return null;
  }
}

/**
 * What a worker is told on its command line, before any message: who it is and how to serve. The
 * master's pid is there too, so anyone can find a master's workers in `ps` (and the tests do).
 */
export interface WorkerSettings {
  index: number;
  masterPid: number;
  headTimeoutMs: number;
  idleTimeoutMs: number;
  /** `GET /crash` throws an uncaught exception, so users can watch the master replace the worker. */
  allowCrash: boolean;
}

export function workerArgv(settings: WorkerSettings): string[] {
  return [
    '--index', String(settings.index), '--master-pid', String(settings.masterPid),
    '--head-timeout', String(settings.headTimeoutMs), '--idle-timeout', String(settings.idleTimeoutMs),
    ...(settings.allowCrash ? ['--allow-crash'] : []),
  ];
}

export function parseWorkerArgv(argv: string[]): WorkerSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      index: { type: 'string' }, 'master-pid': { type: 'string' },
      'head-timeout': { type: 'string' }, 'idle-timeout': { type: 'string' }, 'allow-crash': { type: 'boolean' },
    },
  });
  const settings = {
    index: Number(values.index), masterPid: Number(values['master-pid']),
    headTimeoutMs: Number(values['head-timeout']), idleTimeoutMs: Number(values['idle-timeout']),
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`worker: bad --${name} on the command line`);
  }
  return { ...settings, allowCrash: values['allow-crash'] === true };
}
