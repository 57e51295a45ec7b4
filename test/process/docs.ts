/**
 * npm run docs: the annotated source, built as a user runs it. The parser is tested in process
 * (test/unit/tools.ts); what the pages look like in a browser, in test/process/browser.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { pageName } from '../../tools/docs/annotated';
import { compiled, ROOT } from '../../lib/os/paths';
import { RunningMaster, spawnAsUser } from '../helpers/master';
import { EVENT_MS, within } from '../helpers/wait';

t.test('npm run docs: a page per source file, the index in reading order, imports linked', async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'handoff-docs-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const run = new RunningMaster(spawnAsUser(t, process.execPath, [compiled('scripts/docs'), '--out', out]));
  t.equal(await within(run.exited, EVENT_MS, 'npm run docs to finish'), 0, run.stderr.join('\n'));
  const expected = ['master.ts', 'worker.ts', 'lib/binding/tcp.ts', 'lib/channel/messages.ts', 'lib/models/rr-pipelined.ts',
    'lib/http/responder.ts', 'tools/measure/bench.ts', 'scripts/bench.ts'];
  for (const file of expected) t.ok(existsSync(path.join(out, pageName(file))), `a page for ${file}`);
  const index = readFileSync(path.join(out, 'index.html'), 'utf8');
  const order = ['master.html', 'worker.html', 'lib-models-model.html', 'lib-channel-messages.html', 'lib-binding-internals.html',
    'lib-http-transport.html', 'lib-supervisor-supervisor.html', 'glossary.html'].map((href) => index.indexOf(`href="${href}"`));
  t.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)), 'master, worker, the models, the channels, binding, http, supervisor, the glossary, in that order');
  const master = readFileSync(path.join(out, 'master.html'), 'utf8');
  t.match(master, /<td class="prose"><p>master\.ts — the story from the master's side\.<\/p>/);
  t.match(master, /<a class="import" href="lib-master-lifecycle\.html"><span class="hljs-string">&#x27;\.\/lib\/master\/lifecycle&#x27;<\/span><\/a>/,
    'an import links to the imported file\'s page');
  t.match(master, /<td class="prose">[^]*?<pre><code> {2}node master\.js +# 4 workers sharing 127\.0\.0\.1:3000\n/,
    'the shell example in the opening comment is a code block, not a run-on paragraph');
  t.match(master, /<a href="glossary\.html">glossary<\/a>/, 'every page links to the glossary');
  t.match(readFileSync(path.join(out, 'glossary.html'), 'utf8'), /<td><strong>slot<\/strong><\/td>/, 'the glossary, rendered');
  t.match(master, /<span class="hljs-keyword">async<\/span> <span class="hljs-keyword">function<\/span> <span class="hljs-title function_">main<\/span>/,
    'the code is highlighted as TypeScript');
  t.ok(existsSync(path.join(ROOT, 'tools', 'docs', 'annotated.ts')));
});
