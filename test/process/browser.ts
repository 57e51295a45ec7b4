/**
 * The annotated source and the dashboard in a real browser: Debian's Chromium (/usr/bin/chromium, which
 * .ci/run installs) driven by playwright-core, which downloads no browser of its own. Screenshots go to
 * test-artifacts/ for a person to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { compiled, ROOT } from '../../lib/os/paths';
import { runHold } from '../../tools/measure/hold';
import { load } from '../helpers/load';
import { RunningMaster, spawnAsUser, startMaster } from '../helpers/master';
import { EVENT_MS, STARTUP_MS, within } from '../helpers/wait';

const CHROMIUM = '/usr/bin/chromium';
const NEEDS_CHROMIUM = { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` };
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/**
 * Chromium as this machine runs it: headless, no sandbox (root in CI), and none of the background
 * connections its closed network would refuse. One for the whole file (a launch costs seconds of CPU);
 * each test opens a context of its own and closes it.
 */
let launched: Promise<Browser> | null = null;
async function openPage(t: Test, viewport: { width: number; height: number }): Promise<Page> {
  launched ??= within(chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  }), STARTUP_MS, 'Chromium to start');
  const context = await (await launched).newContext({ viewport });
  t.teardown(() => context.close());
  return context.newPage();
}
t.teardown(async () => { if (launched) await (await launched).close(); });

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: false });
}

t.test('the annotated master.ts: prose beside the code it explains, in Chromium', NEEDS_CHROMIUM, async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'handoff-docs-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const build = new RunningMaster(spawnAsUser(t, process.execPath, [compiled('scripts/docs'), '--out', out]));
  t.equal(await within(build.exited, EVENT_MS, 'npm run docs'), 0);
  const page = await openPage(t, { width: 1400, height: 900 });
  await page.goto(`file://${path.join(out, 'master.html')}`);
  const first = page.locator('tr#section-1');
  const prose = first.locator('td.prose');
  const code = first.locator('td.code');
  t.match(await prose.innerText(), /master\.ts — the story from the master's side\./, 'the opening comment, as prose');
  t.match(await code.innerText(), /import \{ UsageError \} from '\.\/lib\/errors';/, 'the code it opens');
  t.match(await prose.locator('pre').innerText(), /^ {2}node master\.js +# 4 workers sharing 127\.0\.0\.1:3000\n/, 'the shell example, as a code block');
  const [proseBox, codeBox] = [await prose.boundingBox(), await code.boundingBox()];
  t.ok(proseBox && codeBox && proseBox.x + proseBox.width <= codeBox.x + 1 && Math.abs(proseBox.y - codeBox.y) < 2,
    `side by side: prose at x ${proseBox?.x}..${(proseBox?.x ?? 0) + (proseBox?.width ?? 0)}, code from x ${codeBox?.x}`);
  t.match(await page.locator('td.code').filter({ hasText: 'async function main' }).innerText(), /^async function main\(\): Promise<void> \{/m,
    'the story\'s main function, in a section of its own');
  await page.locator('a.import', { hasText: './lib/master/lifecycle' }).first().click();
  t.match(page.url(), /lib-master-lifecycle\.html$/, 'an import leads to the imported file');
  await page.goBack();
  await screenshot(page, 'docs-master.png');
});

t.test('the dashboard in Chromium: every worker\'s pid, the master\'s final numbers, a rolling restart', NEEDS_CHROMIUM, async (t) => {
  const N = 2000;
  const { master, port, pids, listening } = await startMaster(t, ['--workers', '4', '--dashboard', '0']);
  const page = await openPage(t, { width: 1200, height: 800 });
  await page.goto(listening.dashboard!);
  const cell = (slot: number, name: string) => page.locator(`tr[data-slot="${slot}"] .${name}`);
  for (const [slot, pid] of pids.entries()) {
    await page.waitForFunction(([at, expected]) => document.querySelector(`tr[data-slot="${at}"] .pid`)?.textContent === String(expected),
      [slot, pid], { timeout: EVENT_MS });
  }
  t.pass(`the page shows the four pids ${pids.join(' ')}`);
  t.match(await page.locator('#model').innerText(), /model shared/);
  t.match(await page.locator('#node').innerText(), new RegExp(`Node ${process.version}`));

  t.equal((await load(port, N, 20)).failed, 0);
  await page.waitForFunction((total) => document.getElementById('total-connections')?.textContent === String(total), N, { timeout: EVENT_MS });
  const onPage = await Promise.all(pids.map(async (_, slot) => Number(await cell(slot, 'connections').innerText())));
  const loads = await Promise.all(pids.map(async (_, slot) => `${await cell(slot, 'in-flight').innerText()} ${await cell(slot, 'in-progress').innerText()} ${await cell(slot, 'utilization').innerText()}`));
  t.ok(loads.every((text) => /^\d+ \d+ \d+%$/.test(text)), `each slot's load on the page (in flight, in progress, loop busy): ${loads.join(', ')}`);
  const jainOnPage = await page.locator('#jain').innerText();
  await screenshot(page, 'dashboard.png');

  master.child.kill('SIGHUP');
  const { pids: newPids } = await master.waitForEvent('restart-done', () => true, 'the rolling restart', STARTUP_MS * 4);
  await page.waitForFunction((expected) => Array.from(document.querySelectorAll('tr[data-slot] .pid')).map((each) => each.textContent).join(' ') === expected,
    newPids.join(' '), { timeout: EVENT_MS });
  const replacedOnPage = await Promise.all(pids.map(async (_, slot) => cell(slot, 'replaced').innerText()));
  t.same(replacedOnPage.map((text) => Number(text.split(' ')[0])), pids, 'each slot lists the worker it replaced');
  await screenshot(page, 'dashboard-restarted.png');

  const report = (await master.stop()).report!;
  t.same(onPage, report.slots.map((slot) => slot.connections), 'each slot\'s count on the page is the master\'s final count');
  t.equal(jainOnPage, report.jain.toFixed(3), 'and so is Jain\'s index');
  await page.waitForFunction(() => document.getElementById('status')?.classList.contains('stopped'), undefined, { timeout: EVENT_MS });
  t.pass('the page says the master has stopped');
});

t.test('the dashboard while a burst of long-lived connections lands and --rebalance evens it out', NEEDS_CHROMIUM, async (t) => {
  const { master, port, listening } = await startMaster(t, ['--workers', '4', '--rebalance', '--dashboard', '0']);
  const page = await openPage(t, { width: 1400, height: 800 });
  await page.goto(listening.dashboard!);
  const held = runHold({ url: new URL(`http://127.0.0.1:${port}/`), connections: 100, rate: 5, durationMs: 4000, slots: 4 });
  // Even as the rebalancer means it (lib/supervisor/rebalancer.ts): all 100 held, the fullest within one
  // connection of the mean. A burst that lands slowly can end at 26 / 26 / 24 / 24, inside that bound.
  const bars = await page.waitForFunction(() => {
    const open = Array.from(document.querySelectorAll('tr[data-slot] .open')).map((each) => Number(each.textContent));
    return open.length === 4 && open.reduce((sum, count) => sum + count, 0) === 100 && Math.max(...open) <= 26 ? open.join(' ') : null;
  }, undefined, { timeout: EVENT_MS });
  const open = String(await bars.jsonValue());
  t.match(open, /^\d+ \d+ \d+ \d+$/, `the open-connection bars came out even: ${open}`);
  t.ok(Number(await page.locator('#moves').innerText()) > 0, `${await page.locator('#moves').innerText()} moves on the page`);
  t.ok(Number(await page.locator('#open-jain').innerText()) >= 0.99, `Jain's index of the open connections ${await page.locator('#open-jain').innerText()}`);
  await screenshot(page, 'dashboard-rebalanced.png');
  t.equal((await held).failed, 0);
  await master.stop();
});
