/**
 * lib/ipc.ts — every message that crosses the IPC channel between the master and a worker.
 *
 * `child_process.fork()` opens a Unix socketpair as fd 3 of the child (NODE_CHANNEL_FD) and speaks
 * newline-delimited JSON over it; a handle rides along as SCM_RIGHTS ancillary data on the same write.
 * Anything can arrive on that channel (a confused worker, a future version of this file), so each side
 * checks a message's shape before acting on it and ignores what it does not recognise.
 */
import { parseArgs } from 'node:util';
import { transportNames, type TransportName } from './http/transport';

/**
 * Master → worker. The first message says how connections will reach the worker, and it answers `ready`
 * (or `listen-failed`):
 *   - `listen`: the message carries a listening TCP socket the master bound (shared, reuseport, nginx);
 *     listen on it and accept;
 *   - `await-connections`: each connection will come as its own `connection` message, carrying the
 *     client handle the master accepted (rr, rr-idle); acknowledge each with `accepted`;
 *   - `open-handoff-pipe`: connections will come on the IPC pipe at fd `fd`, many in flight, acknowledged
 *     on that pipe (rr-pipelined, lib/models/handoff-pipe.ts);
 *   - `listen-net`: listen yourself, with the public net API (Node's cluster, whose listen() asks the
 *     primary).
 * `drain` asks a worker to stop accepting and say `stopped-accepting`; the master answers `nothing-more`.
 * Then the worker finishes the requests it has started, says `drained` with its final count, and waits
 * for the master to close the channel. child_process keeps messages in order even when a handle is
 * waiting for its ACK (later messages queue behind it, `_handleQueue` in lib/internal/child_process.js),
 * so whatever the master's side sent before it read `stopped-accepting` reaches the worker before
 * `nothing-more`, and the worker's answers to it reach the master before `drained`.
 */
export type MasterMessage =
  | { type: 'listen'; backlog: number }
  | { type: 'await-connections' }
  | { type: 'connection' }
  | { type: 'open-handoff-pipe'; fd: number }
  | { type: 'listen-net'; host: string; port: number; backlog: number }
  | { type: 'drain' }
  | { type: 'nothing-more' };

/**
 * Worker → master. Errors travel as errno numbers, like Node's own cluster (shared_handle.js). `count`
 * comes unasked, every COUNT_INTERVAL_MS while it changes: the master's live views and the counts of a
 * worker that was killed come from it.
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'accepted' }
  | { type: 'stopped-accepting' }
  | { type: 'listen-failed'; syscall: string; errno: number; host: string; port: number }
  | { type: 'count' | 'drained'; connections: number; requests: number };

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
const isPort = (value: unknown): value is number => isCount(value) && value <= 65535;

export function parseWorkerMessage(value: unknown): WorkerMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'ready':
    case 'accepted':
    case 'stopped-accepting':
      return { type: value.type };
    case 'listen-failed':
      // A libuv errno is negative; anything else would make util.getSystemErrorName() throw in the master.
      if (typeof value.syscall !== 'string' || !Number.isInteger(value.errno) || (value.errno as number) >= 0 ||
        typeof value.host !== 'string' || !isPort(value.port)) return null;
      return { type: 'listen-failed', syscall: value.syscall, errno: value.errno as number, host: value.host, port: value.port };
    case 'count':
    case 'drained':
      if (!isCount(value.connections) || !isCount(value.requests)) return null;
      return { type: value.type, connections: value.connections, requests: value.requests };
    default:
      return null;
  }
}

export function parseMasterMessage(value: unknown): MasterMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'listen':
      return isCount(value.backlog) ? { type: 'listen', backlog: value.backlog } : null;
    case 'open-handoff-pipe':
      return isCount(value.fd) && value.fd > 2 ? { type: 'open-handoff-pipe', fd: value.fd } : null;
    case 'listen-net':
      if (typeof value.host !== 'string' || !isPort(value.port) || !isCount(value.backlog)) return null;
      return { type: 'listen-net', host: value.host, port: value.port, backlog: value.backlog };
    case 'await-connections':
    case 'connection':
    case 'drain':
    case 'nothing-more':
      return { type: value.type };
    default:
      return null;
  }
}

/**
 * What a worker is told on its command line, before any message: its slot, how to serve. The master's
 * pid is there too, so anyone can find a master's workers in `ps` (lib/procfs.ts and the tests do).
 */
export interface WorkerSettings {
  slot: number;
  masterPid: number;
  headTimeoutMs: number;
  idleTimeoutMs: number;
  transport: TransportName;
  /** `GET /crash` throws an uncaught exception, so users can watch the master replace the worker. */
  allowCrash: boolean;
}

export function workerArgv(settings: WorkerSettings): string[] {
  return [
    '--slot', String(settings.slot), '--master-pid', String(settings.masterPid),
    '--head-timeout', String(settings.headTimeoutMs), '--idle-timeout', String(settings.idleTimeoutMs),
    '--transport', settings.transport, ...(settings.allowCrash ? ['--allow-crash'] : []),
  ];
}

export function parseWorkerArgv(argv: string[]): WorkerSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      slot: { type: 'string' }, 'master-pid': { type: 'string' }, 'head-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' }, transport: { type: 'string' }, 'allow-crash': { type: 'boolean' },
    },
  });
  const number = (flag: 'slot' | 'master-pid' | 'head-timeout' | 'idle-timeout') => {
    const text = values[flag] ?? '';
    if (!/^\d{1,15}$/.test(text)) throw new Error(`worker: bad --${flag} on the command line`);
    return Number(text);
  };
  const settings = {
    slot: number('slot'), masterPid: number('master-pid'),
    headTimeoutMs: number('head-timeout'), idleTimeoutMs: number('idle-timeout'),
  };
  const transport = values.transport as TransportName;
  if (!transportNames.includes(transport)) throw new Error('worker: bad --transport on the command line');
  return { ...settings, transport, allowCrash: values['allow-crash'] === true };
}
