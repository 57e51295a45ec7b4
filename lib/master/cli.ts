/**
 * lib/master/cli.ts — the master's flags, read with node:util parseArgs, and checked before anything starts.
 */
import { parseArgs } from 'node:util';
import net from 'node:net';
import { UsageError } from '../errors';
import { parseTransport, type TransportName } from '../http/transports';
import { modelNames, type ModelName } from '../models/names';
import { loadScheduler, type Scheduler } from '../models/scheduler';
import { nginxBalances, type NginxBalance } from '../models/model';

/**
 * Node's own default backlog (lib/net.js, `backlog || 511`), the same as nginx's on Linux. 511 rather
 * than 512 because old kernels rounded the queue up to the next power of two. The kernel caps it at
 * net.core.somaxconn.
 */
export const DEFAULT_BACKLOG = 511;

export interface MasterOptions {
  workers: number;
  host: string;
  port: number;
  backlog: number;
  model: ModelName;
  transport: TransportName;
  headTimeoutMs: number;
  idleTimeoutMs: number;
  drainTimeoutMs: number;
  allowCrash: boolean;
  live: boolean;
  json: boolean;
  /** The dashboard's port on 127.0.0.1, or null for none. */
  dashboard: number | null;
  printConfig: boolean;
  /** --rebalance: null when off. */
  rebalance: { aboveMeanPercent: number; movesPerSecond: number } | null;
  restartCloses: boolean;
  /** --scheduler: a user's choice of worker for least-loaded, loaded; null for the default. */
  scheduler: Scheduler | null;
  /** --nginx-balance: how nginx picks a worker. */
  nginxBalance: NginxBalance;
}

/**
 * --rebalance-above: 5% of the mean. With 400 connections on 4 workers the fullest may hold 105 before
 * any moves; every slot within 5% of the mean keeps Jain's index above 0.997, and a few connections
 * more or less, as they come and go, move nothing.
 */
export const DEFAULT_REBALANCE_ABOVE_PERCENT = 5;
/**
 * --moves-per-second: 200. A burst of 400 connections on a shared socket leaves about a hundred to move
 * (notes/moving.md); at 200 a second they have moved within half a second, and a move costs about
 * what a new connection through rr-pipelined costs, so the budget is a few percent of a core at most.
 */
export const DEFAULT_MOVES_PER_SECOND = 200;

export const USAGE = `usage: node master.js [options]

  --workers N        worker processes (default 4, as in the article)
  --port P           TCP port (default 3000; 0 lets the kernel pick one)
  --host H           address to bind (default 127.0.0.1; pass 0.0.0.0 to expose the port)
  --backlog B        listen backlog (default ${DEFAULT_BACKLOG}, Node's; 0 is what the article's
                     handle.listen() asks for: one queued connection, and a stall under ab -c100)
  --model M          how connections reach workers (default shared):
                       shared        the article: every worker accepts on one shared socket
                       rr            the master accepts, hands each connection to the next worker (child.send)
                       rr-free       the master accepts, hands it to the first free worker (Node's policy)
                       rr-pipelined  rr on a pipe of its own, many connections in flight per worker
                       least-loaded  rr-pipelined's pipes, each connection to the least busy worker
                       reuseport     one socket per worker, SO_REUSEPORT, the kernel hashes (Node >= 22.12)
                       nginx         nginx in front, one port per worker (P+1 ... P+N)
                       cluster-rr    Node's cluster module, SCHED_RR
                       cluster-none  Node's cluster module, SCHED_NONE
  --transport T      how a worker reads and writes a connection (default raw):
                       raw           the TCP handle's own stream methods, no net.Socket
                       socket        a net.Socket around the handle, the article's way
  --head-timeout MS  a request head must arrive within this (default 10000; then 408)
  --idle-timeout MS  close a connection idle this long (default 5000; announced as keep-alive: timeout)
  --drain-timeout MS on stop or restart, a worker has this long to finish its requests (default 10000)
  --allow-crash      GET /crash throws in the worker that serves it, to watch it being replaced
  --live             redraw each worker's connections and rate twice a second (needs a terminal)
  --dashboard PORT   serve the distribution, live, at http://127.0.0.1:PORT/ (and its JSON at /state)
  --json             every line on stdout is one JSON event (listening, worker-exited, ..., report)
  --print-config     print the nginx config --model nginx would run, and exit
  --rebalance        move idle kept-alive connections from the fullest worker to the emptiest, live
  --rebalance-above P  rebalance when a worker holds P% more connections than the mean (default ${DEFAULT_REBALANCE_ABOVE_PERCENT})
  --moves-per-second N  move at most N connections a second (default ${DEFAULT_MOVES_PER_SECOND})
  --restart-closes   a rolling restart closes kept-alive connections, as a drain does, instead of
                     moving them to the new worker
  --scheduler FILE   least-loaded's choice of worker: a module exporting function (loads) => slot
                     (examples/schedulers/ has the default and plain rotation)
  --nginx-balance B  how --model nginx picks a worker: round-robin (default) or least-conn
  --help             this text

Ctrl-C (SIGINT) or SIGTERM: stop gracefully and print each worker's connection count.
SIGHUP: rolling restart, one worker at a time: each replacement serves before its predecessor retires
and hands it its live connections.`;

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

function oneOf<T extends string>(flag: string, text: string, names: readonly T[]): T {
  if (!(names as readonly string[]).includes(text)) throw new UsageError(`--${flag} must be one of ${names.join(', ')}, not '${text}'`);
  return text as T;
}

function rebalanceSettings(above: string, moves: string, model: string): NonNullable<MasterOptions['rebalance']> {
  // nginx holds the client side: the workers see nginx's connections, and nginx chooses among them.
  if (model === 'nginx') throw new UsageError('--rebalance moves the connections clients hold to the workers; with --model nginx the clients talk to nginx, which spreads them itself');
  return { aboveMeanPercent: wholeNumber('rebalance-above', above, 1, 1000), movesPerSecond: wholeNumber('moves-per-second', moves, 1, 100_000) };
}

/** Returns null when --help was asked for. Throws UsageError with one readable line otherwise. */
export function parseMasterArgs(argv: string[]): MasterOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        workers: { type: 'string', default: '4' },
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        backlog: { type: 'string', default: String(DEFAULT_BACKLOG) },
        model: { type: 'string', default: 'shared' },
        transport: { type: 'string', default: 'raw' },
        'head-timeout': { type: 'string', default: '10000' },
        'idle-timeout': { type: 'string', default: '5000' },
        'drain-timeout': { type: 'string', default: '10000' },
        'allow-crash': { type: 'boolean', default: false },
        live: { type: 'boolean', default: false },
        dashboard: { type: 'string' },
        json: { type: 'boolean', default: false },
        'print-config': { type: 'boolean', default: false },
        rebalance: { type: 'boolean', default: false },
        'rebalance-above': { type: 'string', default: String(DEFAULT_REBALANCE_ABOVE_PERCENT) },
        'moves-per-second': { type: 'string', default: String(DEFAULT_MOVES_PER_SECOND) },
        'restart-closes': { type: 'boolean', default: false },
        scheduler: { type: 'string' },
        'nginx-balance': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  if (!net.isIP(values.host)) throw new UsageError(`--host must be an IP address, not '${values.host}'`);
  if (values.live && values.json) throw new UsageError('--live draws for people and --json writes for programs: pick one');
  const model = oneOf('model', values.model, modelNames);
  if (values.scheduler !== undefined && model !== 'least-loaded') throw new UsageError(`--scheduler chooses a worker for --model least-loaded, not ${model}`);
  if (values['nginx-balance'] !== undefined && model !== 'nginx') throw new UsageError(`--nginx-balance is how nginx chooses a worker: it needs --model nginx, not ${model}`);
  return {
    workers: wholeNumber('workers', values.workers, 1, 64),
    port: wholeNumber('port', values.port, 0, 65535),
    host: values.host,
    backlog: wholeNumber('backlog', values.backlog, 0, 65535),
    model,
    transport: parseTransport(values.transport),
    headTimeoutMs: wholeNumber('head-timeout', values['head-timeout'], 1, 3_600_000),
    idleTimeoutMs: wholeNumber('idle-timeout', values['idle-timeout'], 1, 3_600_000),
    drainTimeoutMs: wholeNumber('drain-timeout', values['drain-timeout'], 1, 3_600_000),
    allowCrash: values['allow-crash'],
    live: values.live,
    json: values.json,
    dashboard: values.dashboard === undefined ? null : wholeNumber('dashboard', values.dashboard, 0, 65535),
    printConfig: values['print-config'],
    rebalance: values.rebalance ? rebalanceSettings(values['rebalance-above'], values['moves-per-second'], values.model) : null,
    restartCloses: values['restart-closes'],
    scheduler: values.scheduler === undefined ? null : loadScheduler(values.scheduler),
    nginxBalance: oneOf('nginx-balance', values['nginx-balance'] ?? 'round-robin', nginxBalances),
  };
}
