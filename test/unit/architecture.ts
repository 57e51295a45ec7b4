/**
 * The kit's shape (tools/check/architecture.ts): imports point down, no cycle, no file or function too long
 * to read, no comment or note naming a path that is not there. First each rule against a small tree made
 * to break it, so a rule that could never fire fails here; then the kit itself.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ROOT } from '../../lib/os/paths';
import {
  checkArchitecture, cycleFindings, layerFindings, MAX_FILE_LINES, MAX_FUNCTION_LINES, pathFindings, sizeFindings,
} from '../../tools/check/architecture';

/** A throwaway tree of files, removed when the test ends. */
function tree(t: Test, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'handoff-architecture-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

t.test('layers: an import of the same layer or above is found; below is fine; internals only through assertInternals', async (t) => {
  const root = tree(t, {
    'lib/http/a.ts': "import { x } from '../binding/tcp';\nimport { y } from '../report/r';\n",
    'lib/binding/tcp.ts': "import { z } from '../models/m';\nexport const x = 1;\n",
    'lib/report/r.ts': 'export const y = 1;\n',
    'lib/models/m.ts': "import { streams, type ClientHandle } from '../binding/internals';\nimport { assertInternals } from '../binding/internals';\n",
    'lib/binding/internals.ts': 'export const streams = 1;\n',
    'lib/stray.ts': '',
  });
  const files = ['lib/http/a.ts', 'lib/binding/tcp.ts', 'lib/report/r.ts', 'lib/models/m.ts', 'lib/stray.ts'];
  t.same(layerFindings(root, files).map(({ file, problem }) => `${file} ${problem}`), [
    'lib/http/a.ts imports lib/report/r.ts, which is not below it',
    'lib/binding/tcp.ts imports lib/models/m.ts, which is not below it',
    'lib/models/m.ts takes streams, ClientHandle from lib/binding/internals.ts: outside lib/binding/ only assertInternals and the handle types',
    'lib/stray.ts is in no layer (tools/check/architecture.ts, LAYERS)',
  ]);
});

t.test('cycles: a file that reaches itself is found, with the way round', async (t) => {
  const root = tree(t, {
    'lib/http/a.ts': "import './b';\nimport { x } from './b';\n",
    'lib/http/b.ts': "import type { y } from './c';\n",
    'lib/http/c.ts': "import { z } from './a';\n",
    'lib/http/d.ts': "import { z } from './a';\n",
  });
  t.same(cycleFindings(root, ['lib/http/a.ts', 'lib/http/b.ts', 'lib/http/c.ts', 'lib/http/d.ts']).map(({ problem }) => problem),
    ['is in an import cycle: lib/http/a.ts → lib/http/b.ts → lib/http/c.ts → lib/http/a.ts'], 'a type-only import counts too');
});

t.test('sizes: a file over the limit in lib/, a function over the limit anywhere it is checked', async (t) => {
  const body = (lines: number) => Array.from({ length: lines - 2 }, (_, at) => `  const v${at} = ${at};`).join('\n');
  const root = tree(t, {
    'lib/long.ts': '\n'.repeat(MAX_FILE_LINES),
    'lib/ok.ts': `function fine() {\n${body(MAX_FUNCTION_LINES)}\n}\n`,
    'master.ts': `class A {\n  method() {\n${body(MAX_FUNCTION_LINES + 1)}\n  }\n}\nconst arrow = () => {\n${body(MAX_FUNCTION_LINES + 1)}\n};\n`,
  });
  t.same(sizeFindings(root, ['lib/long.ts', 'lib/ok.ts', 'master.ts']).map(({ file, problem }) => `${file} ${problem}`), [
    `lib/long.ts has ${MAX_FILE_LINES + 1} lines (at most ${MAX_FILE_LINES})`,
    `master.ts function method at line 2 has ${MAX_FUNCTION_LINES + 1} lines (at most ${MAX_FUNCTION_LINES})`,
    `master.ts function (anonymous) at line ${MAX_FUNCTION_LINES + 4} has ${MAX_FUNCTION_LINES + 1} lines (at most ${MAX_FUNCTION_LINES})`,
  ]);
});

t.test('paths: ours must exist; Node\'s own, compiled ones with a source, and module names do not fail', async (t) => {
  const root = tree(t, {
    'lib/a.ts': [
      '/** See lib/b.ts and lib/gone.ts, lib/internal/cluster/child.js, lib/net.js, dist/scripts/x.js and scripts/x. */',
      "const s = 'lib/not-a-comment.ts';",
      '// notes/missing.md',
    ].join('\n'),
    'lib/b.ts': '',
    'scripts/x.ts': '',
    'notes/page.md': 'As test/parallel does, and as tools/y.ts does.\n',
  });
  t.same(pathFindings(root, ['lib/a.ts', 'notes/page.md']).map(({ file, problem }) => `${file} ${problem}`), [
    'lib/a.ts names lib/gone.ts, which does not exist',
    'lib/a.ts names notes/missing.md, which does not exist',
    'notes/page.md names tools/y.ts, which does not exist',
  ], 'a string in code is not a comment');
});

t.test('the kit itself: layers, cycles, sizes and paths', async (t) => {
  t.same(checkArchitecture(ROOT), []);
});
