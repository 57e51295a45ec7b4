/**
 * lib/worker/settings.ts — what a worker is told on its command line, before any message.
 *
 * Its slot and how to serve. The master's pid is there too, so anyone can find a master's workers in
 * `ps` (lib/os/procfs.ts and the tests do).
 */
import { parseArgs } from 'node:util';
import { parseTransport, type TransportName } from '../http/transports';

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
  return {
    slot: number('slot'), masterPid: number('master-pid'),
    headTimeoutMs: number('head-timeout'), idleTimeoutMs: number('idle-timeout'),
    transport: parseTransport(values.transport ?? '', 'worker: --transport'),
    allowCrash: values['allow-crash'] === true,
  };
}
