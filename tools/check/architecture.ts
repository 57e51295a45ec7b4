/**
 * tools/check/architecture.ts — the shape of the kit, checked: layers, cycles, sizes, named paths.
 *
 * Four rules a reader relies on, each a function that returns what breaks it (an empty list when none
 * does). `npm run check` prints them; the unit lane runs them (test/unit/architecture.ts), so CI fails
 * on the first file that breaks one.
 *   - layers: imports point down (LAYERS below); nothing in lib/ imports master.ts, worker.ts, the
 *     tools or the scripts; outside lib/binding/, the internals are reached only through
 *     `assertInternals`;
 *   - cycles: no file reaches itself through its imports;
 *   - sizes: no file over MAX_FILE_LINES and no function over MAX_FUNCTION_LINES in lib/, master.ts
 *     and worker.ts;
 *   - paths: every path of ours that a comment, a note or the README names exists.
 * Imports and functions are read with the TypeScript compiler's own parser.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 60;

/** Each folder's layer: a file may import its own folder or a lower layer. Unlisted kit files fail. */
const LAYERS: Array<[prefix: string, layer: number]> = [
  ['lib/errors.ts', 0], ['lib/events.ts', 0],
  ['lib/binding/', 1], ['lib/os/', 1],
  ['lib/http/', 2], ['lib/report/', 2],
  ['lib/channel/', 3],
  ['lib/models/', 4], ['lib/worker/', 4],
  ['lib/supervisor/', 5],
  ['lib/dashboard/', 5],
  ['lib/master/', 6],
  ['master.ts', 7], ['worker.ts', 7], ['tools/', 7], ['scripts/', 8],
];

export interface Finding { file: string; problem: string }

function layerOf(file: string): { layer: number; folder: string } | null {
  const entry = LAYERS.find(([prefix]) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix)));
  return entry ? { layer: entry[1], folder: entry[0] } : null;
}

/** Every .ts file under the given roots (files or folders), relative to `root`, in name order. */
export function sourceFiles(root: string, roots: string[]): string[] {
  const walk = (relative: string): string[] => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return [];
    if (!statSync(full).isDirectory()) return relative.endsWith('.ts') ? [relative] : [];
    return readdirSync(full).sort().flatMap((name) => walk(path.posix.join(relative, name)));
  };
  return roots.flatMap(walk);
}

interface Import { target: string; names: string[] }

function parse(root: string, file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** The kit files a file imports (relative specifiers, resolved), with the names it takes from each. */
function importsOf(root: string, file: string): Import[] {
  const found: Import[] = [];
  for (const statement of parse(root, file).statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) continue;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const target = [`${base}.ts`, `${base}/index.ts`].find((candidate) => existsSync(path.join(root, candidate))) ?? `${base}.ts`;
    const bindings = statement.importClause?.namedBindings;
    const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => element.name.text) : ['*'];
    found.push({ target, names });
  }
  return found;
}

export function layerFindings(root: string, files: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const from = layerOf(file);
    if (!from) {
      findings.push({ file, problem: 'is in no layer (tools/check/architecture.ts, LAYERS)' });
      continue;
    }
    for (const { target, names } of importsOf(root, file)) {
      const to = layerOf(target);
      if (!to) continue;
      if (to.folder !== from.folder && to.layer >= from.layer) findings.push({ file, problem: `imports ${target}, which is not below it` });
      if (target === 'lib/binding/internals.ts' && !file.startsWith('lib/binding/') && names.some((name) => name !== 'assertInternals' && !/^[A-Z]/.test(name))) {
        findings.push({ file, problem: `takes ${names.join(', ')} from lib/binding/internals.ts: outside lib/binding/ only assertInternals and the handle types` });
      }
    }
  }
  return findings;
}

export function cycleFindings(root: string, files: string[]): Finding[] {
  const graph = new Map(files.map((file) => [file, importsOf(root, file).map(({ target }) => target).filter((target) => files.includes(target))]));
  const findings: Finding[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      findings.push({ file, problem: `is in an import cycle: ${[...trail.slice(trail.indexOf(file)), file].join(' → ')}` });
      return;
    }
    state.set(file, 'visiting');
    for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  return findings;
}

export function sizeFindings(root: string, files: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const source = parse(root, file);
    const lines = source.getLineAndCharacterOfPosition(source.end).line + 1;
    if (file.startsWith('lib/') && lines > MAX_FILE_LINES) findings.push({ file, problem: `has ${lines} lines (at most ${MAX_FILE_LINES})` });
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.end).line;
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        if (last - first + 1 > MAX_FUNCTION_LINES) findings.push({ file, problem: `function ${name} at line ${first + 1} has ${last - first + 1} lines (at most ${MAX_FUNCTION_LINES})` });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return findings;
}

/** Our folders; a path under one of them in a comment or a note must exist. */
const OURS = /(?<![\w./@-])((?:lib|test|tools|scripts|bench|notes|assets|dist)\/[\w.-]+(?:\/[\w.-]+)*\/?)/g;
/** Paths in Node's own tree that look like ours: lib/internal/..., lib/net.js and the like, Node's test folders. */
const FOREIGN = [/^lib\/internal\//, /^lib\/[\w/-]+\.js$/, /^test\/(parallel|sequential|pummel)\b/];

/** The comments of a TypeScript file (read by the compiler's scanner, so a string is no comment), or a whole Markdown file. */
function prose(root: string, file: string): string {
  const text = readFileSync(path.join(root, file), 'utf8');
  if (!file.endsWith('.ts')) return text;
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  const comments: string[] = [];
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia) comments.push(scanner.getTokenText());
  }
  return comments.join('\n');
}

export function pathFindings(root: string, files: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    for (const [, named] of prose(root, file).matchAll(OURS)) {
      const candidate = named!.replace(/[.]+$/, '');
      if (FOREIGN.some((pattern) => pattern.test(candidate))) continue;
      // dist/ is built: a compiled file is there when its source is.
      const source = candidate.startsWith('dist/') ? candidate.slice(5).replace(/\.js$/, '.ts') : candidate;
      // A module named as an import names it, without its extension: scripts/bench is scripts/bench.ts.
      if (![source, `${source}.ts`].some((each) => existsSync(path.join(root, each)))) findings.push({ file, problem: `names ${candidate}, which does not exist` });
    }
  }
  return findings;
}

/** Every finding of every rule, over the kit's files. */
export function checkArchitecture(root: string): Finding[] {
  const code = sourceFiles(root, ['master.ts', 'worker.ts', 'lib', 'tools', 'scripts']);
  const kit = code.filter((file) => file.startsWith('lib/') || file === 'master.ts' || file === 'worker.ts');
  const notes = ['README.md', 'NOTES.md', ...readdirSync(path.join(root, 'notes')).filter((name) => name.endsWith('.md')).map((name) => `notes/${name}`)];
  return [
    ...layerFindings(root, code), ...cycleFindings(root, code), ...sizeFindings(root, kit),
    ...pathFindings(root, [...code, ...sourceFiles(root, ['test']), ...notes]),
  ];
}
