/**
 * tools/docs/annotated.ts — a TypeScript file as an annotated page, the way docco lays out Backbone's and
 * CoffeeScript's source: the comments, rendered as Markdown, on the left; the code they explain on the
 * right, section by section.
 *
 * A section is a comment that starts a line (a block comment, or a run of `//` lines) and the code
 * that follows it, up to the next such comment. A comment at the end of a line of code stays with the
 * code. Markdown is markdown-it's, the highlighting is highlight.js's TypeScript grammar; an import of
 * another file of the kit becomes a link to that file's page.
 */
import hljs from 'highlight.js/lib/core';
import typescript from 'highlight.js/lib/languages/typescript';
import MarkdownIt from 'markdown-it';
import path from 'node:path';

hljs.registerLanguage('typescript', typescript);
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

export interface Section {
  /** The comment's text, without `/**`, `*`, `* /` or `//`: Markdown. */
  prose: string;
  code: string;
}

/** Lines that are a comment and nothing else: where a new section begins. */
const BLOCK_START = /^\s*\/\*/;
const LINE_COMMENT = /^\s*\/\/(?!\/)/;

function stripBlock(lines: string[]): string {
  return lines.map((line) => line.replace(/^\s*\/\*\*?\s?/, '').replace(/\s*\*\/\s*$/, '').replace(/^\s*\* ?/, '')).join('\n').trim();
}

/**
 * Our comments show commands and examples as a paragraph of lines indented by two spaces (not lists):
 * Markdown wants four for a code block, so those get two more.
 */
function examplesAsCode(prose: string): string {
  return prose.split(/\n\n/).map((paragraph) => {
    const lines = paragraph.split('\n');
    const example = lines.every((line) => /^ {2,}\S/.test(line)) && !/^\s*([-*]|\d+\.)\s/.test(lines[0]!);
    return example ? lines.map((line) => `  ${line}`).join('\n') : paragraph;
  }).join('\n\n');
}

export function sections(source: string): Section[] {
  const lines = source.replace(/\s+$/, '').split('\n');
  const result: Section[] = [];
  let at = 0;
  const code: string[] = [];
  let prose = '';
  const flush = () => {
    if (prose || code.some((line) => line.trim())) result.push({ prose, code: code.join('\n').replace(/^\n+|\n+$/g, '') });
    code.length = 0;
  };
  while (at < lines.length) {
    const line = lines[at]!;
    if (BLOCK_START.test(line)) {
      const block = [line];
      while (!lines[at]!.includes('*/') && at + 1 < lines.length) block.push(lines[++at]!);
      at++;
      flush();
      prose = examplesAsCode(stripBlock(block));
      continue;
    }
    if (LINE_COMMENT.test(line)) {
      const run: string[] = [];
      while (at < lines.length && LINE_COMMENT.test(lines[at]!)) run.push(lines[at++]!.replace(/^\s*\/\/ ?/, ''));
      flush();
      prose = examplesAsCode(run.join('\n').trim());
      continue;
    }
    code.push(line);
    at++;
    if (!code.some((each) => each.trim()) && prose === '') code.length = 0;
  }
  flush();
  // A comment followed directly by another comment joins it: one section, its prose in two paragraphs.
  const merged: Section[] = [];
  for (const section of result) {
    const last = merged.at(-1);
    if (last && !last.code) {
      last.prose = [last.prose, section.prose].filter(Boolean).join('\n\n');
      last.code = section.code;
    } else merged.push({ ...section });
  }
  return merged;
}

export interface PageLink { file: string; href: string; title: string }

/** The page name of a source file: `lib/http/responder.ts` → `lib-http-responder.html`. */
export function pageName(file: string): string {
  return `${file.replace(/\.ts$/, '').replace(/[/\\]/g, '-')}.html`;
}

/** Imports of other files of the kit, resolved against the file that imports them. */
function linkImports(html: string, file: string, known: ReadonlySet<string>): string {
  return html.replace(/<span class="hljs-string">(&#x27;|&quot;|')(\.{1,2}\/[^'"&<]+)(&#x27;|&quot;|')<\/span>/g, (whole, open: string, specifier: string, close: string) => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const candidates = [`${target}.ts`, `${target}/index.ts`];
    const found = candidates.find((candidate) => known.has(candidate));
    return found ? `<a class="import" href="${pageName(found)}"><span class="hljs-string">${open}${specifier}${close}</span></a>` : whole;
  });
}

export function highlight(code: string): string {
  return hljs.highlight(code, { language: 'typescript' }).value;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface PageOptions {
  file: string;
  source: string;
  pages: readonly PageLink[];
  css: string;
}

/** One page: a row per section, prose beside code, and a menu of every page. */
export function renderPage({ file, source, pages, css }: PageOptions): string {
  const known = new Set(pages.map((page) => page.file));
  const rows = sections(source).map((section, at) => `<tr id="section-${at + 1}">
<td class="prose">${markdown.render(section.prose)}</td>
<td class="code"><pre><code class="hljs language-typescript">${linkImports(highlight(section.code), file, known)}</code></pre></td>
</tr>`);
  const here = pages.findIndex((page) => page.file === file);
  const neighbour = (page: PageLink | undefined, label: string) => (page ? `<a href="${page.href}">${label}: ${escape(page.file)}</a>` : '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(file)} — handoff, annotated</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${css}</style></head>
<body>
<nav class="top"><a href="index.html">handoff, annotated</a> · <a href="glossary.html">glossary</a> ·
<select onchange="location.href=this.value">${pages.map((page) => `<option value="${page.href}"${page.file === file ? ' selected' : ''}>${escape(page.file)}</option>`).join('')}</select>
${neighbour(pages[here - 1], 'previous')} ${neighbour(pages[here + 1], 'next')}</nav>
<table class="annotated"><thead><tr><th class="prose"><h1>${escape(file)}</h1></th><th class="code"></th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}

/** A page of prose (the glossary): Markdown, under the same menu as the source pages. */
export function renderProse(title: string, text: string, css: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} — handoff, annotated</title><style>${css}</style></head>
<body class="index"><nav class="top"><a href="index.html">handoff, annotated</a> · <a href="glossary.html">glossary</a></nav>
${markdown.render(text)}
</body></html>
`;
}

/** The table of contents: every page in reading order, with the first sentence of its opening comment. */
export function renderIndex(pages: ReadonlyArray<PageLink & { summary: string }>, css: string): string {
  const items = pages.map((page) => `<li><a href="${page.href}"><code>${escape(page.file)}</code></a> ${escape(page.summary)}</li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>handoff, annotated</title><style>${css}</style></head>
<body class="index"><h1>handoff, annotated</h1>
<p>The source of the kit in reading order: the comments on the left, the code they explain on the right.
Start with <a href="${pages[0]?.href ?? '#'}">master.ts</a>.</p>
<ol>${items.join('\n')}</ol>
<p>The words, one per thing: <a href="glossary.html">glossary</a>.</p>
</body></html>
`;
}

/** The first sentence of a file's opening comment, after its `name — ` prefix. */
export function summary(source: string): string {
  const first = sections(source)[0]?.prose ?? '';
  const text = first.replace(/^[^\n—]*—\s*/, '').replace(/\s+/g, ' ');
  return /^(.*?[.:])(\s|$)/.exec(text)?.[1] ?? text;
}
