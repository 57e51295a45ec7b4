/**
 * npm run profile: clinic doctor on the process that serves, under a small load, leaves a report and
 * no process behind.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { processesMentioning } from '../lib/procfs';
import { ROOT, RunningMaster, isAlive, killQuietly, spawnAsUser } from './helpers/master';

for (const model of ['shared', 'rr']) {
  t.test(`clinic doctor --model ${model}: a non-empty HTML report, and nothing left running`, async (t) => {
    const dest = mkdtempSync(path.join(os.tmpdir(), 'handoff-clinic-'));
    t.teardown(() => rmSync(dest, { recursive: true, force: true }));
    const child = spawnAsUser(process.execPath, [path.join(ROOT, 'scripts', 'profile.js'), 'doctor',
      '--model', model, '-n', '2000', '-c', '20', '--dest', dest]);
    const run = new RunningMaster(child);
    t.teardown(() => child.kill('SIGKILL'));
    t.equal(await run.exited, 0, run.stderr.join('\n'));
    const [, report] = await run.waitForLine(/^profile: report at (.+)$/);
    t.equal(path.dirname(report!), dest, 'the report is where --dest says');
    t.ok(statSync(report!).size > 10_000, `${report} has ${statSync(report!).size} bytes`);
    t.match(readFileSync(report!, 'utf8').slice(0, 2000), /<html/i);
    const [, pidList] = await run.waitForLine(/^handoff: (?:worker pids ([\d ]+) |1 workers listening)/);
    const pids = (pidList ?? '').split(' ').filter(Boolean).map(Number);
    t.teardown(() => pids.forEach(killQuietly));
    t.same(pids.filter(isAlive), [], 'no worker outlived the profiled process');
    t.match(run.stdout.join('\n'), /^worker \d+ got \d+ connections$/m, 'the target stopped as on Ctrl-C and reported');
    t.same(processesMentioning(dest), [], 'clinic is gone, and started no browser');
  });
}

t.test('clinic flame --model shared: the report, and the graph\'s widest boxes as text', async (t) => {
  // flame (0x) does not pass SIGINT on to its target; without the process-group signal in
  // scripts/profile.ts this run never ends.
  const dest = mkdtempSync(path.join(os.tmpdir(), 'handoff-clinic-'));
  t.teardown(() => rmSync(dest, { recursive: true, force: true }));
  const child = spawnAsUser(process.execPath, [path.join(ROOT, 'scripts', 'profile.js'), 'flame',
    '--model', 'shared', '-n', '2000', '-c', '20', '--dest', dest]);
  const run = new RunningMaster(child);
  t.teardown(() => child.kill('SIGKILL'));
  t.equal(await run.exited, 0, run.stderr.join('\n'));
  const [, report] = await run.waitForLine(/^profile: report at (.+\.clinic-flame\.html)$/);
  t.ok(statSync(report!).size > 10_000, `${report} has ${statSync(report!).size} bytes`);
  const [, samples] = await run.waitForLine(/^(\d+) samples, \d+ without a stack$/);
  t.ok(Number(samples) > 100, `${samples} samples`);
  const summary = run.stdout.slice(run.stdout.findIndex((line) => line.startsWith('total (')));
  t.match(summary.join('\n'), /^ +\d+\.\d% {2}\S* ?lib\/http\.js:\d+:\d+$/m,
    'the responder (lib/http.js) is among the widest JavaScript frames of a serving process');
  t.same(processesMentioning(dest), [], 'clinic is gone, and started no browser');
});

t.test('a model with no process of its own to profile: one line saying which to use, exit code 2', async (t) => {
  const run = new RunningMaster(spawnAsUser(process.execPath, [path.join(ROOT, 'scripts', 'profile.js'), 'doctor', '--model', 'reuseport']));
  t.equal(await run.exited, 2);
  t.same(run.stderr, ["profile: --model must be shared, rr or rr-idle, not 'reuseport': reuseport, nginx and cluster-none " +
    'workers do what --model shared profiles; cluster-rr cannot run under clinic (cluster.fork throws)']);
  t.same(run.stdout, [], 'clinic never started');
});
