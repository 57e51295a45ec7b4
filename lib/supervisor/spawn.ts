/**
 * lib/supervisor/spawn.ts — forking a worker the way its model asks (lib/models/model.ts, ForkKind):
 * child_process.fork(), or Node's cluster.fork(), whose scheduling policy is frozen at the first fork.
 * Either way the worker is born with its handle pipe at fd 4 (lib/channel/handle-pipe.ts).
 */
import cluster from 'node:cluster';
import { fork, type ChildProcess, type ForkOptions, type StdioOptions } from 'node:child_process';
import type { ClientHandle } from '../binding/internals';
import { HandlePipeMaker, HandlePipeToWorker } from '../channel/handle-pipe';
import type { Load, Report } from '../channel/messages';
import type { ForkKind } from '../models/model';

/** The master's end of a worker's handle pipe, as the supervisor uses it. */
export type PipeEnd = Pick<HandlePipeToWorker, 'send' | 'end' | 'closeWhenRead' | 'inFlight'>;

export interface Spawned {
  child: ChildProcess;
  /**
   * Starts reading the worker's handle pipe: each report it sends there goes to `onReport`, the load on
   * each acknowledgement to `onLoad`.
   */
  openPipe(onReport: (report: Report, clientHandle: ClientHandle | null) => void, onLoad: (load: Load) => void): PipeEnd;
}

/**
 * Profilers load themselves into the master through NODE_OPTIONS (clinic doctor, bubbleprof) or
 * through the command line (clinic flame's 0x: `--prof -r ...`), and fork() hands both to every worker:
 * a second copy of the profiler in a worker fights the master's over files and fds, and the worker dies.
 * HANDOFF_WORKER_NODE_OPTIONS, when set, makes workers plain: that NODE_OPTIONS, and no inherited
 * execArgv (scripts/profile.ts sets it).
 */
function forkOptions(): ForkOptions & { stdio: StdioOptions } {
  // stdin is not the workers' to read; stdout and stderr are shared, so their lines reach the terminal.
  const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];
  const override = process.env.HANDOFF_WORKER_NODE_OPTIONS;
  if (override === undefined) return { stdio };
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: override };
  delete env.HANDOFF_WORKER_NODE_OPTIONS;
  return { stdio, env, execArgv: [] };
}

export class Spawner {
  private readonly pipes = new HandlePipeMaker();

  constructor(private readonly workerPath: string, private readonly kind: ForkKind) {
    if (kind === 'cluster-rr') cluster.schedulingPolicy = cluster.SCHED_RR;
    if (kind === 'cluster-none') cluster.schedulingPolicy = cluster.SCHED_NONE;
  }

  async spawn(argv: string[]): Promise<Spawned> {
    const options = forkOptions();
    const made = await this.pipes.make();
    try {
      const child = this.fork(argv, { ...options, stdio: [...(options.stdio as unknown[]), made.workerFd] as StdioOptions });
      return { child, openPipe: (onReport, onLoad) => new HandlePipeToWorker(made.pipe, onReport, onLoad) };
    } finally {
      made.release();
    }
  }

  /** cluster.fork() adds its own to what we pass (NODE_UNIQUE_ID, which makes the child a cluster worker). */
  private fork(argv: string[], options: ForkOptions & { stdio: StdioOptions }): ChildProcess {
    if (this.kind === 'child_process') return fork(this.workerPath, argv, options);
    cluster.setupPrimary({ exec: this.workerPath, args: argv, stdio: options.stdio as unknown[], ...(options.execArgv ? { execArgv: options.execArgv } : {}) });
    return cluster.fork(options.env).process;
  }

  /** The pipes' Unix socket and its directory go; each worker's pipe closes with its worker. */
  close(): void {
    this.pipes.close();
  }
}
