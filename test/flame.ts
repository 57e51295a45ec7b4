import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { formatFlameSummary, readFlameSamples, summarizeFlame, type Frame } from '../lib/measure/flame';

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
