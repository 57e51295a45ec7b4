/**
 * npm run profile: clinic doctor on the process that serves, under a small load, leaves a report and
 * no process behind.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { processesMentioning } from '../lib/procfs';
import { ROOT, RunningMaster, isAlive, killQuietly, spawnAsUser } from './helpers/master';

/** `npm run profile -- ...args`, as a user runs it; killed when the test ends. */
function spawnProfile(t: Test, args: string[]): RunningMaster {
  const run = new RunningMaster(spawnAsUser(process.execPath, [path.join(ROOT, 'scripts', 'profile.js'), ...args]));
  t.teardown(() => run.child.kill('SIGKILL'));
  return run;
}

/**
 * A profile run with a small load into a fresh --dest. It must exit 0 and leave a non-empty HTML
 * report in --dest, and no process that mentions --dest (clinic itself, or a browser it opened).
 */
async function profileRun(t: Test, tool: string, model: string): Promise<RunningMaster> {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'handoff-clinic-'));
  t.teardown(() => rmSync(dest, { recursive: true, force: true }));
  const run = spawnProfile(t, [tool, '--model', model, '-n', '2000', '-c', '20', '--dest', dest]);
  t.equal(await run.exited, 0, run.stderr.join('\n'));
  const [, report] = await run.waitForLine(/^profile: report at (.+)$/);
  t.equal(path.dirname(report!), dest, 'the report is where --dest says');
  t.match(path.basename(report!), new RegExp(`^\\d+\\.clinic-${tool}\\.html$`));
  t.ok(statSync(report!).size > 10_000, `${report} has ${statSync(report!).size} bytes`);
  t.match(readFileSync(report!, 'utf8').slice(0, 2000), /<html/i);
  t.same(processesMentioning(dest), [], 'clinic is gone, and started no browser');
  return run;
}

for (const model of ['shared', 'rr']) {
  t.test(`clinic doctor --model ${model}: a non-empty HTML report, and nothing left running`, async (t) => {
    const run = await profileRun(t, 'doctor', model);
    const [, pidList] = await run.waitForLine(/^handoff: (?:worker pids ([\d ]+) |1 workers listening)/);
    const pids = (pidList ?? '').split(' ').filter(Boolean).map(Number);
    t.teardown(() => pids.forEach(killQuietly));
    t.same(pids.filter(isAlive), [], 'no worker outlived the profiled process');
    t.match(run.stdout.join('\n'), /^worker \d+ got \d+ connections$/m, 'the target stopped as on Ctrl-C and reported');
  });
}

t.test('clinic flame --model shared: the report, and the graph\'s widest boxes as text', async (t) => {
  // flame (0x) does not pass SIGINT on to its target; without the process-group signal in
  // scripts/profile.ts this run never ends.
  const run = await profileRun(t, 'flame', 'shared');
  const [, samples] = await run.waitForLine(/^(\d+) samples, \d+ without a stack$/);
  t.ok(Number(samples) > 100, `${samples} samples`);
  const summary = run.stdout.slice(run.stdout.findIndex((line) => line.startsWith('total (')));
  t.match(summary.join('\n'), /^ +\d+\.\d% {2}\S* ?lib\/http\.js:\d+:\d+$/m,
    'the responder (lib/http.js) is among the widest JavaScript frames of a serving process');
});

t.test('a model with no process of its own to profile: one line saying which to use, exit code 2', async (t) => {
  const run = spawnProfile(t, ['doctor', '--model', 'reuseport']);
  t.equal(await run.exited, 2);
  t.same(run.stderr, ["profile: --model must be shared, rr or rr-idle, not 'reuseport': reuseport, nginx and cluster-none " +
    'workers do what --model shared profiles; cluster-rr cannot run under clinic (cluster.fork throws)']);
  t.same(run.stdout, [], 'clinic never started');
});
