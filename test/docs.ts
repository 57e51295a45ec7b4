/**
 * npm run docs: the annotated source. The parser in-process; the build as a user runs it. What the
 * pages look like in a browser is test/browser.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { pageName, sections, summary } from '../lib/docs/annotated';
import { compiled, ROOT } from '../lib/paths';
import { RunningMaster, spawnAsUser } from './helpers/master';
import { EVENT_MS, within } from './helpers/wait';

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

t.test('npm run docs: a page per source file, the index in reading order, imports linked', async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'handoff-docs-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const run = new RunningMaster(spawnAsUser(t, process.execPath, [compiled('scripts/docs'), '--out', out]));
  t.equal(await within(run.exited, EVENT_MS, 'npm run docs to finish'), 0, run.stderr.join('\n'));
  const expected = ['master.ts', 'worker.ts', 'lib/binding.ts', 'lib/models/rr-pipelined.ts', 'lib/http/responder.ts', 'scripts/bench.ts'];
  for (const file of expected) t.ok(existsSync(path.join(out, pageName(file))), `a page for ${file}`);
  const index = readFileSync(path.join(out, 'index.html'), 'utf8');
  const order = ['master.html', 'worker.html', 'lib-models-model.html', 'lib-binding.html', 'lib-http-transport.html', 'lib-supervisor.html']
    .map((href) => index.indexOf(`href="${href}"`));
  t.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)), 'master, worker, the models, binding, http, supervisor, in that order');
  const master = readFileSync(path.join(out, 'master.html'), 'utf8');
  t.match(master, /<td class="prose"><p>master\.ts — the story from the master's side\.<\/p>/);
  t.match(master, /<a class="import" href="lib-binding\.html"><span class="hljs-string">&#x27;\.\/lib\/binding&#x27;<\/span><\/a>/,
    'an import links to the imported file\'s page');
  t.match(master, /<span class="hljs-keyword">async<\/span> <span class="hljs-keyword">function<\/span> <span class="hljs-title function_">main<\/span>/,
    'the code is highlighted as TypeScript');
  t.ok(existsSync(path.join(ROOT, 'lib', 'docs', 'annotated.ts')));
});
