/**
 * lib/cli.ts — the master's flags, read with node:util parseArgs, and checked before anything starts.
 */
import { parseArgs } from 'node:util';
import net from 'node:net';
import { modelNames, type ModelName } from './models';

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
  headTimeoutMs: number;
  idleTimeoutMs: number;
  drainTimeoutMs: number;
  allowCrash: boolean;
  live: boolean;
  printConfig: boolean;
}

export const USAGE = `usage: node master.js [options]

  --workers N        worker processes (default 4, as in the article)
  --port P           TCP port (default 3000; 0 lets the kernel pick one)
  --host H           address to bind (default 127.0.0.1; pass 0.0.0.0 to expose the port)
  --backlog B        listen backlog (default ${DEFAULT_BACKLOG}, Node's; 0 is what the article's
                     handle.listen() asks for: one queued connection, and a stall under ab -c100)
  --model M          how connections reach workers (default shared):
                       shared        the article: every worker accepts on one shared socket
                       rr            the master accepts, hands each connection to the next worker
                       rr-idle       the master accepts, hands it to the first idle worker (Node's policy)
                       reuseport     one socket per worker, SO_REUSEPORT, the kernel hashes (Node >= 22.12)
                       nginx         nginx in front, one port per worker (P+1 ... P+N)
                       cluster-rr    Node's cluster module, SCHED_RR
                       cluster-none  Node's cluster module, SCHED_NONE
  --head-timeout MS  a request head must arrive within this (default 10000; then 408)
  --idle-timeout MS  close a connection idle this long (default 5000)
  --drain-timeout MS on stop or restart, a worker has this long to finish its requests (default 10000)
  --allow-crash      GET /crash throws in the worker that serves it, to watch it being replaced
  --live             redraw each worker's connections and rate twice a second (needs a terminal)
  --print-config     print the nginx config --model nginx would run, and exit
  --help             this text

Ctrl-C (SIGINT) or SIGTERM: stop gracefully and print each worker's connection count.
SIGHUP: rolling restart, one worker at a time, each replacement serving before its predecessor drains.`;

export class UsageError extends Error {}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
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
        'head-timeout': { type: 'string', default: '10000' },
        'idle-timeout': { type: 'string', default: '5000' },
        'drain-timeout': { type: 'string', default: '10000' },
        'allow-crash': { type: 'boolean', default: false },
        live: { type: 'boolean', default: false },
        'print-config': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  if (!net.isIP(values.host)) throw new UsageError(`--host must be an IP address, not '${values.host}'`);
  if (!(modelNames as readonly string[]).includes(values.model)) {
    throw new UsageError(`--model must be one of ${modelNames.join(', ')}, not '${values.model}'`);
  }
  return {
    workers: wholeNumber('workers', values.workers, 1, 64),
    port: wholeNumber('port', values.port, 0, 65535),
    host: values.host,
    backlog: wholeNumber('backlog', values.backlog, 0, 65535),
    model: values.model as ModelName,
    headTimeoutMs: wholeNumber('head-timeout', values['head-timeout'], 1, 3_600_000),
    idleTimeoutMs: wholeNumber('idle-timeout', values['idle-timeout'], 1, 3_600_000),
    drainTimeoutMs: wholeNumber('drain-timeout', values['drain-timeout'], 1, 3_600_000),
    allowCrash: values['allow-crash'],
    live: values.live,
    printConfig: values['print-config'],
  };
}
