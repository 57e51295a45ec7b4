/**
 * scripts/profile.ts — `npm run profile -- <doctor|flame|bubbleprof> [--model shared|rr|rr-free|rr-pipelined]
 *   [--transport raw|socket] [-n N] [-c C]`
 *
 * Runs clinic on the process that really does the work under load. clinic follows only the process it
 * starts (clinicjs/node-clinic#387), so that process has to be the right one:
 *   - shared: dist/scripts/serve-one.js, one process doing what a shared-model worker does;
 *   - rr, rr-free, rr-pipelined: master.js itself, since the master accepts every connection and
 *     sendmsg()s it on.
 *     Its workers must not load clinic too: clinic injects itself through NODE_OPTIONS, which forked
 *     processes inherit, so we hand the workers the NODE_OPTIONS we had (HANDOFF_WORKER_NODE_OPTIONS).
 *
 * After flame it also prints the widest boxes of the graph as text (tools/measure/flame.ts).
 *
 * Both targets speak the master's events (--json, lib/events.ts). We wait for the `listening` event, run ab (or dist/scripts/load.js without ab), then do what
 * Ctrl-C in a terminal does: SIGINT to the whole process group, clinic and its target (and the rr
 * master's workers, which leave stopping to their master). Signalling clinic alone is not enough:
 * doctor relays the signal, but flame (0x, platform/v8.js `softClose`) only waits for a target that the
 * terminal is assumed to have signalled too, and waits forever. The target stops as on Ctrl-C, and
 * clinic writes its HTML report. We do not use clinic's --on-port: its port detector (the on-net-listen
 * package) calls `resource.owner.once('listening')` for every TCP server handle it sees created, and a
 * raw handle from _createServerHandle has no owner, so the target dies with a TypeError. (--on-port also
 * ends the target with an emitted 'beforeExit' rather than a signal.)
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { parseEvent } from '../lib/events';
import { parseTransport } from '../lib/http/transports';
import { UsageError } from '../lib/errors';
import { formatFlameSummary, readFlameSamples, summarizeFlame } from '../tools/measure/flame';
import { compiled, MASTER, ROOT } from '../lib/os/paths';
import { isRunning } from '../lib/os/procfs';
import { formatReport } from '../lib/report/report';

const TOOLS = ['doctor', 'flame', 'bubbleprof'];
const masterWith = (model: string) => [MASTER, '--json', '--model', model, '--workers', '2', '--port', '0'];
const TARGETS: Record<string, string[]> = {
  shared: [compiled('scripts/serve-one'), '--port', '0'],
  rr: masterWith('rr'),
  'rr-free': masterWith('rr-free'),
  'rr-pipelined': masterWith('rr-pipelined'),
};
/**
 * The other models have no process of their own to profile: a reuseport, cluster-none or nginx upstream
 * worker runs the shared path (serve-one) on a socket of its own; cluster-rr's primary is Node's
 * cluster, whose fork() throws under clinic; nginx is not Node.
 */
const OTHER_MODELS = 'reuseport, nginx and cluster-none workers do what --model shared profiles; cluster-rr cannot ' +
  'run under clinic (cluster.fork throws)';
const USAGE = 'usage: npm run profile -- <doctor|flame|bubbleprof> [--model shared|rr|rr-free|rr-pipelined] [--transport raw|socket] ' +
  '[-n 20000] [-c 50] [--dest .clinic]';

function fail(line: string, code: number): never {
  console.error(`profile: ${line}`);
  process.exit(code);
}

/** ab (or dist/scripts/load.js without it) against the target; prints one line with its rate and failures. */
async function driveLoad(url: string, total: string, concurrency: string): Promise<void> {
  const hasAb = spawnSync('sh', ['-c', 'command -v ab']).status === 0;
  const [command, args] = hasAb
    ? ['ab', ['-q', '-n', total, '-c', concurrency, url]]
    : [process.execPath, [compiled('scripts/load'), '-n', total, '-c', concurrency, url]];
  const { stdout } = await promisify(execFile)(command, args as string[]);
  const summary = stdout.split('\n').filter((line) => /Requests per second|Failed requests|req\/s/.test(line));
  console.log(`profile: ${hasAb ? 'ab' : 'scripts/load.js'}: ${summary.map((line) => line.replace(/\s+/g, ' ').trim()).join('; ')}`);
}

function newestReport(dest: string): string | null {
  const reports = readdirSync(dest).filter((name) => name.endsWith('.html')).map((name) => path.join(dest, name));
  reports.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return reports[0] ?? null;
}

function signalGroup(leaderPid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-leaderPid, signal);
  } catch {
    // the whole group is gone already
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        model: { type: 'string', default: 'shared' },
        transport: { type: 'string', default: 'raw' },
        n: { type: 'string', short: 'n', default: '20000' },
        c: { type: 'string', short: 'c', default: '50' },
        dest: { type: 'string', default: path.join(ROOT, '.clinic') },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  const [tool] = positionals;
  if (!tool || !TOOLS.includes(tool)) fail(USAGE, 2);
  const target = TARGETS[values.model];
  if (!target) fail(`--model must be shared, rr, rr-free or rr-pipelined, not '${values.model}': ${OTHER_MODELS}`, 2);
  let transport;
  try {
    transport = parseTransport(values.transport);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(error.message, 2);
  }

  // --no-open: clinic would start a browser through xdg-open, detached, and leave it running.
  const clinic = spawn(process.execPath, [require.resolve('clinic/bin.js'), tool, '--no-open', '--dest', values.dest, '--',
    process.execPath, ...target, '--transport', transport], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // A process group of its own, like a terminal's foreground job, so one kill(-pgid) reaches them all.
    detached: true,
    // NO_INSIGHT: without a terminal, clinic otherwise waits silently on a consent prompt.
    env: { ...process.env, NO_INSIGHT: '1', HANDOFF_WORKER_NODE_OPTIONS: process.env.NODE_OPTIONS ?? '' },
  });
  const exited = new Promise<number | null>((resolve) => clinic.once('exit', (code) => resolve(code)));
  // The group does not die with us by itself: if we are stopped first, we take it down.
  const killGroup = () => signalGroup(clinic.pid!, 'SIGKILL');
  process.once('exit', killGroup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => fail(`${signal}: stopped clinic and its target, no report`, 1));
  }
  const workerPids: number[] = [];
  let loaded: Promise<void> | null = null;
  createInterface({ input: clinic.stdout! }).on('line', (line) => {
    const event = parseEvent(line);
    if (!event) return console.log(line);
    if (event.type === 'report') return console.log(formatReport(event));
    if (event.type !== 'listening' || loaded) return;
    console.log(`profile: ${event.model} listening on ${event.url}, target pid ${event.masterPid}, worker pids ${event.pids.join(' ')}`);
    workerPids.push(...event.pids);
    loaded = driveLoad(event.url, values.n, values.c).finally(() => signalGroup(clinic.pid!, 'SIGINT'));
  });
  const code = await exited;
  if (loaded) await loaded;
  const left = workerPids.filter(isRunning);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  if (left.length > 0) fail(`workers ${left.join(' ')} outlived the profiled master; killed them`, 1);
  if (code !== 0) fail(`clinic exited with code ${code}`, 1);
  const report = newestReport(values.dest);
  if (!report) fail(`clinic wrote no HTML report in ${values.dest}`, 1);
  console.log(`profile: report at ${report}`);
  // The flame graph's widest boxes, in text: what the picture would show first.
  if (tool === 'flame') console.log(formatFlameSummary(summarizeFlame(readFlameSamples(report), ROOT)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
