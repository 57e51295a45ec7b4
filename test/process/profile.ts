/**
 * npm run profile: clinic on the process that serves, under a small load, leaves a report and no
 * process behind.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { compiled } from '../../lib/os/paths';
import { isRunning, processesMentioning } from '../../lib/os/procfs';
import { killQuietly, RunningMaster, spawnAsUser } from '../helpers/master';
import { EVENT_MS, STARTUP_MS, within } from '../helpers/wait';

/** clinic starts the target, ab runs, clinic analyses: a minute at most on a loaded machine. */
const PROFILE_MS = STARTUP_MS + 4 * EVENT_MS;

/** `npm run profile -- ...args`, as a user runs it; killed when the test ends. */
function spawnProfile(t: Test, args: string[]): RunningMaster {
  const run = new RunningMaster(spawnAsUser(t, process.execPath, [compiled('scripts/profile'), ...args]));
  t.teardown(() => run.child.kill('SIGKILL'));
  return run;
}

/**
 * A profile run with a small load into a fresh --dest. It must exit 0 and leave a non-empty HTML
 * report in --dest, and no process that mentions --dest (clinic itself, or a browser it opened), and
 * none of the processes it profiled: the target (the master, or serve-one) and its workers.
 */
async function profileRun(t: Test, tool: string, model: string, requests = 2000): Promise<RunningMaster> {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'handoff-clinic-'));
  t.teardown(() => rmSync(dest, { recursive: true, force: true }));
  const run = spawnProfile(t, [tool, '--model', model, '-n', String(requests), '-c', '20', '--dest', dest]);
  t.equal(await within(run.exited, PROFILE_MS, `clinic ${tool} to finish`), 0, run.stderr.join('\n'));
  const [, report] = await run.waitForLine(/^profile: report at (.+)$/);
  t.equal(path.dirname(report!), dest, 'the report is where --dest says');
  t.match(path.basename(report!), new RegExp(`^\\d+\\.clinic-${tool}\\.html$`));
  t.ok(statSync(report!).size > 10_000, `${report} has ${statSync(report!).size} bytes`);
  t.match(readFileSync(report!, 'utf8').slice(0, 2000), /<html/i);
  t.same(processesMentioning(dest), [], 'clinic is gone, and started no browser');
  const [, target, workers] = await run.waitForLine(/^profile: \S+ listening on \S+, target pid (\d+), worker pids ([\d ]*)/);
  const profiled = [Number(target), ...workers!.split(' ').filter(Boolean).map(Number)];
  t.teardown(() => profiled.forEach(killQuietly));
  t.ok(profiled.length >= 1 && profiled.every((pid) => pid > 0), `profiled ${profiled.join(' ')}`);
  t.same(profiled.filter(isRunning), [], 'the target and its workers are gone');
  return run;
}

// The two kinds of target: the master (doctor, here) and serve-one (flame, below).
t.test('clinic doctor --model rr-pipelined: a non-empty HTML report, and nothing left running', async (t) => {
  const run = await profileRun(t, 'doctor', 'rr-pipelined');
  t.match(run.stdout.join('\n'), /^worker \d+ got \d+ connections$/m, 'the target stopped as on Ctrl-C and reported');
  t.match(run.stdout.join('\n'), /worker pids \d+ \d+/, 'the master\'s two workers were seen');
});

t.test('clinic flame --model shared: the report, and the graph\'s widest boxes as text', async (t) => {
  // flame (0x) does not pass SIGINT on to its target; without the process-group signal in
  // scripts/profile.ts this run never ends.
  // Enough requests that serving, not loading modules, is most of what the profile saw, on a busy machine too.
  const run = await profileRun(t, 'flame', 'shared', 20000);
  const [, samples] = await run.waitForLine(/^(\d+) samples, \d+ without a stack$/);
  t.ok(Number(samples) > 100, `${samples} samples`);
  const summary = run.stdout.slice(run.stdout.findIndex((line) => line.startsWith('total (')));
  t.match(summary.join('\n'), /^ +\d+\.\d% {2}\S* ?dist\/lib\/(http|binding)\/\S+\.js:\d+:\d+$/m,
    'the serving path (the raw read callback in lib/binding/stream.ts, or lib/http/) is among the widest JavaScript frames');
});

t.test('a model with no process of its own to profile: one line saying which to use, exit code 2', async (t) => {
  const run = spawnProfile(t, ['doctor', '--model', 'reuseport']);
  t.equal(await within(run.exited, EVENT_MS, 'the script to exit'), 2);
  t.same(run.stderr, ["profile: --model must be shared, rr, rr-free or rr-pipelined, not 'reuseport': reuseport, nginx and cluster-none " +
    'workers do what --model shared profiles; cluster-rr cannot run under clinic (cluster.fork throws)']);
  t.same(run.stdout, [], 'clinic never started');
});
