/**
 * The measuring tools, in process (tools/): ab read back, the SVG charts, flame summaries, the chaos
 * run's recovery clock, and the annotated-source parser.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { abArgs, hasAb, parseAb } from '../../tools/measure/ab';
import { RecoveryClock } from '../../tools/measure/chaos';
import { barChart, gridStep, lineChart } from '../../tools/measure/charts';
import { pageName, sections, summary } from '../../tools/docs/annotated';
import { formatFlameSummary, type Frame, readFlameSamples, summarizeFlame } from '../../tools/measure/flame';

const AB_OUTPUT = `Concurrency Level:      100
Complete requests:      10000
Failed requests:        3
   (Connect: 0, Receive: 0, Length: 3, Exceptions: 0)
Non-2xx responses:      2
Requests per second:    5927.62 [#/sec] (mean)
Percentage of the requests served within a certain time (ms)
  50%     16
  99%     44
 100%     61 (longest request)
`;

t.test('ab: the command, and its summary read back', async (t) => {
  t.same(abArgs('http://127.0.0.1:1/', 10, 2, true), ['ab', '-q', '-s', '10', '-n', '10', '-c', '2', '-k', 'http://127.0.0.1:1/']);
  t.same(abArgs('u', 1, 1, false).includes('-k'), false);
  t.equal(hasAb(), spawnSync('sh', ['-c', 'command -v ab']).status === 0, 'ab is found exactly when it is on PATH');
  t.same(parseAb(AB_OUTPUT), { complete: 10000, failed: 5, requestsPerSecond: 5927.62, p99Ms: 44 });
  t.same(parseAb('apr_socket_recv: Connection reset by peer (104)'), { complete: 0, failed: 0, requestsPerSecond: 0, p99Ms: NaN });
});

const CHAR_WIDTH = 7.2;

/** Every text's right edge, from its x, its anchor and its length: none may pass the picture's width. */
function overflows(svg: string): string[] {
  const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
  return [...svg.matchAll(/<text x="([\d.]+)"[^>]*?(text-anchor="(end|middle)")?[^>]*>([^<]*)<\/text>/g)].flatMap((match) => {
    const x = Number(match[1]);
    const length = match[4]!.replace(/&\w+;/g, '_').length * CHAR_WIDTH;
    const right = match[3] === 'end' ? x : match[3] === 'middle' ? x + length / 2 : x + length;
    return right > width ? [`"${match[4]}" ends at ${right.toFixed(0)} > ${width}`] : [];
  });
}

t.test('bars: one row per group, stacked segments scaled to the widest row', async (t) => {
  const svg = barChart('a <title>', [{ label: 'even', values: [1, 1] }, { label: 'one', values: [4] }], (values) => `${values.length} & more`);
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="84"/);
  t.match(svg, /a &lt;title&gt;/);
  t.equal(svg.match(/<rect x=/g)?.length, 3);
  const label = 12 + Math.ceil(4 * CHAR_WIDTH);
  t.match(svg, new RegExp(`<rect x="${label}\\.0" y="34" width="105\\.0"[^>]*/><rect x="${label + 105}\\.0" y="34" width="105\\.0"`));
  t.match(svg, new RegExp(`<rect x="${label}\\.0" y="56" width="420\\.0"`));
  t.match(svg, /2 &amp; more/);
  t.match(barChart('empty', [], () => ''), /height="40"/);
});

t.test('bars: long labels at both ends stay inside the picture (distribution.svg was cut off)', async (t) => {
  const svg = barChart('Share of connections per worker', [
    { label: 'rr-pipelined/socket', values: [2500, 2500, 2500, 2500] },
    { label: 'shared', values: [2826, 2673, 2493, 2032] },
  ], (counts) => `${counts.join(' / ')}  max/min ${(Math.max(...counts) / Math.min(...counts)).toFixed(2)}`);
  t.same(overflows(svg), []);
});

t.test('lines: one polyline per series, evenly spaced x, a round grid, and nothing cut off', async (t) => {
  const svg = lineChart('req/s against concurrency', 'ab -c', 'req/s', [1, 10, 100], [
    { label: 'shared', values: [1000, 4000, 9000] },
    { label: 'nginx-return-200 (a long name)', values: [5000, null, 18000] },
  ]);
  const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((match) => match[1]!.split(' '));
  t.equal(lines.length, 2);
  t.equal(lines[0]!.length, 3);
  t.equal(lines[1]!.length, 2, 'a missing value leaves a gap, not a zero');
  t.same(lines[0]!.map((point) => point.split(',')[0]), ['70.0', '300.0', '530.0']);
  t.match(svg, />20000<\/text>/, 'the grid goes up to the next round step');
  t.same(overflows(svg), []);
  t.same([gridStep(9000), gridStep(18000), gridStep(0.3), gridStep(0)], [2000, 5000, 0.1, 1]);
});

const ROOT = '/repo';
const js = (name: string): Frame => ({ name, type: 'JS' });
const cpp = (name: string): Frame => ({ name, type: 'CPP' });
const onconnection = js('tcp.onconnection /repo/lib/binding.js:116:24');
const send = js('target._send node:internal/child_process:762:26');
// Four samples of an rr master: two in sendmsg under target._send, one idle in epoll, one unattributed.
const STACKS: Frame[][] = [
  [onconnection, send, cpp('sendmsg@@GLIBC_2.2.5')],
  [send, send, cpp('sendmsg@@GLIBC_2.2.5')],
  [cpp('epoll_pwait@@GLIBC_2.6')],
  [],
];

t.test('self counts the top of each stack; total counts a JS frame once per stack it is in', async (t) => {
  const summary = summarizeFlame(STACKS, ROOT);
  t.equal(summary.samples, 4);
  t.equal(summary.unattributed, 1);
  t.same(summary.self, [{ name: 'sendmsg', share: 0.5 }, { name: 'epoll_pwait', share: 0.25 }]);
  t.same(summary.total, [
    { name: 'target._send node:internal/child_process:762:26', share: 0.5 },
    { name: 'tcp.onconnection lib/binding.js:116:24', share: 0.25 },
  ], 'a recursive frame counts once; paths under the root become relative');
  t.same(summarizeFlame(STACKS, ROOT, 1).self, [{ name: 'sendmsg', share: 0.5 }], 'limit');
  t.same(summarizeFlame([[cpp('write')], [cpp('read')]], ROOT).self.map(({ name }) => name), ['read', 'write'],
    'equal shares in name order, so a summary does not depend on sample order');
  t.same(summarizeFlame([], ROOT), { samples: 0, unattributed: 0, self: [], total: [] });
});

t.test('the text: counts, then each list with its shares', async (t) => {
  t.equal(formatFlameSummary(summarizeFlame(STACKS, ROOT)), [
    '4 samples, 1 without a stack',
    'self (top of the stack: where the CPU was)',
    '   50.0%  sendmsg',
    '   25.0%  epoll_pwait',
    'total (JavaScript frames, with everything they called)',
    '   50.0%  target._send node:internal/child_process:762:26',
    '   25.0%  tcp.onconnection lib/binding.js:116:24',
  ].join('\n'));
});

t.test('the samples are read from the directory beside the report', async (t) => {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'handoff-flame-'));
  t.teardown(() => rmSync(dest, { recursive: true, force: true }));
  const dataDir = path.join(dest, '123.clinic-flame');
  mkdirSync(dataDir);
  writeFileSync(path.join(dataDir, '123.clinic-flame-systeminfo'), '{}');
  writeFileSync(path.join(dataDir, '123.clinic-flame-samples'), JSON.stringify(STACKS));
  t.same(readFlameSamples(`${dataDir}.html`), STACKS);
  const empty = path.join(dest, '456.clinic-flame');
  mkdirSync(empty);
  t.throws(() => readFlameSamples(`${empty}.html`), { message: `no samples file in ${empty}` });
});

const exited = (slot: number, pid: number) => ({ type: 'worker-exited' as const, slot, pid, code: null, signal: 'SIGKILL', restartInMs: 0, livedMs: 5 });
const ready = (slot: number, pid: number) => ({ type: 'worker-ready' as const, slot, pid });

t.test('a kill is timed to the next ready worker in its slot', async (t) => {
  const clock = new RecoveryClock();
  clock.killed(10, 1000);
  clock.onEvent(exited(0, 10), 1001);
  t.same(clock.openOutagesMs(1100), [100]);
  clock.onEvent(ready(1, 20), 1150);
  t.same(clock.recoveryMs, [], 'another slot\'s worker does not end the outage');
  clock.onEvent(ready(0, 11), 1200);
  t.same(clock.recoveryMs, [200]);
  t.same(clock.openOutagesMs(1300), []);
});

t.test('a replacement killed before it was ready extends the outage; it does not start a new one', async (t) => {
  const clock = new RecoveryClock();
  clock.killed(10, 1000);
  clock.onEvent(exited(2, 10), 1001);
  clock.killed(11, 1100);
  clock.onEvent(exited(2, 11), 1101);
  clock.onEvent(ready(2, 12), 1400);
  t.same(clock.recoveryMs, [400], 'from the first kill');
});

t.test('an exit the chaos run did not cause is not timed', async (t) => {
  const clock = new RecoveryClock();
  clock.onEvent(exited(0, 99), 1000);
  clock.onEvent(ready(0, 100), 1100);
  t.same(clock.recoveryMs, []);
  clock.onEvent({ type: 'restart-started' }, 1200);
  t.same(clock.openOutagesMs(1300), []);
});

t.test('a file splits into sections: a comment that starts a line, then the code after it', async (t) => {
  const source = [
    '/**',
    ' * file.ts — what it is.',
    ' *',
    ' * Why it is.',
    ' */',
    "import x from './x';",
    '',
    '// A note on y,',
    '// in two lines.',
    'const y = 1; // stays with the code',
    '/** Joined with the next. */',
    '/** The next. */',
    'export function z() {',
    '  // inside: a section of its own',
    '  return y;',
    '}',
    '',
  ].join('\n');
  t.same(sections(source), [
    { prose: 'file.ts — what it is.\n\nWhy it is.', code: "import x from './x';" },
    { prose: 'A note on y,\nin two lines.', code: 'const y = 1; // stays with the code' },
    { prose: 'Joined with the next.\n\nThe next.', code: 'export function z() {' },
    { prose: 'inside: a section of its own', code: '  return y;\n}' },
  ]);
  t.same(sections('const bare = 1;\n'), [{ prose: '', code: 'const bare = 1;' }], 'code with no comment is one section');
  t.same(sections('/**\n * Run it:\n *\n *   node master.js   # four workers\n *   ab -n10 url\n *\n *   - a list\n *     goes on\n */\nx();\n'),
    [{ prose: 'Run it:\n\n    node master.js   # four workers\n    ab -n10 url\n\n  - a list\n    goes on', code: 'x();' }],
    'an indented example becomes a Markdown code block; a list stays a list');
  t.equal(summary(source), 'what it is.');
  t.equal(pageName('lib/http/responder.ts'), 'lib-http-responder.html');
});
