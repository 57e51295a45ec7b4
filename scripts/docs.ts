/**
 * scripts/docs.ts — `npm run docs [-- --out docs]`: the kit's source as annotated pages, in reading order.
 *
 * One page per TypeScript file (tools/docs/annotated.ts lays it out), in the order a newcomer should read
 * them: the two entry points, the models, the channels, the one folder that touches Node internals, the
 * HTTP, the supervisor, then the rest, and a table of contents. Open docs/index.html in a browser.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pageName, renderIndex, renderPage, renderProse, summary } from '../tools/docs/annotated';
import { ROOT } from '../lib/os/paths';

/** The story first; what is not listed follows, folder by folder, in name order. */
const READING_ORDER = [
  'master.ts', 'worker.ts',
  'lib/models/model.ts', 'lib/models/shared.ts', 'lib/models/master-accepts.ts', 'lib/models/rr.ts', 'lib/models/rr-free.ts',
  'lib/models/rr-pipelined.ts', 'lib/models/in-flight.ts', 'lib/models/least-loaded.ts', 'lib/models/scheduler.ts',
  'lib/models/reuseport.ts', 'lib/models/nginx.ts', 'lib/models/cluster.ts',
  'lib/channel/messages.ts', 'lib/channel/control.ts', 'lib/channel/handle-pipe.ts',
  'lib/binding/internals.ts', 'lib/binding/tcp.ts', 'lib/binding/stream.ts', 'lib/binding/pipe.ts', 'lib/binding/channel.ts',
  'lib/worker/connections.ts', 'lib/worker/load.ts',
  'lib/http/transport.ts', 'lib/http/raw-transport.ts', 'lib/http/socket-transport.ts', 'lib/http/responder.ts', 'lib/http/connection.ts',
  'lib/http/moved.ts',
  'lib/http/responses.ts', 'lib/http/work.ts', 'lib/http/head.ts', 'lib/http/body.ts', 'lib/http/deadlines.ts',
  'lib/supervisor/supervisor.ts', 'lib/supervisor/worker-process.ts', 'lib/supervisor/spawn.ts', 'lib/supervisor/drain.ts',
  'lib/supervisor/rolling-restart.ts', 'lib/supervisor/mover.ts', 'lib/supervisor/rebalancer.ts', 'lib/supervisor/restart-policy.ts',
  'lib/master/lifecycle.ts', 'lib/events.ts', 'lib/errors.ts',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).sort().flatMap((name) => {
    const file = path.posix.join(dir, name);
    if (statSync(path.join(ROOT, file)).isDirectory()) return sourceFiles(file);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [file] : [];
  });
}

const CSS = `
body { margin: 0; font: 15px/1.55 system-ui, sans-serif; color: #1d2330; background: #fff; }
nav.top { position: sticky; top: 0; background: #f6f7f9; border-bottom: 1px solid #dde1e8; padding: 8px 16px; z-index: 1; }
nav.top a { margin-right: 12px; }
table.annotated { border-collapse: collapse; width: 100%; table-layout: fixed; }
th.prose, td.prose { width: 38%; vertical-align: top; padding: 8px 24px; text-align: left; border-right: 1px solid #e6e9ef; }
th.code, td.code { vertical-align: top; padding: 8px 16px; background: #f8f9fb; }
td.code pre { margin: 0; white-space: pre-wrap; font: 13px/1.45 ui-monospace, Menlo, Consolas, monospace; }
td.prose code { font-size: 13px; background: #f1f3f6; padding: 0 3px; border-radius: 3px; }
td.prose pre { background: #f1f3f6; padding: 6px 8px; border-radius: 4px; overflow-x: auto; }
td.prose pre code { padding: 0; }
tr { border-bottom: 1px solid #eef0f4; }
h1 { font-size: 20px; }
a.import { text-decoration: underline dotted; }
body.index { max-width: 900px; margin: 24px auto; padding: 0 16px; }
body.index li { margin: 4px 0; }
`;

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(ROOT, 'docs') } } });
  const all = [...sourceFiles('lib'), ...sourceFiles('tools'), ...sourceFiles('scripts')];
  const files = [...READING_ORDER, ...all.filter((file) => !READING_ORDER.includes(file))];
  const theme = readFileSync(require.resolve('highlight.js/styles/github.css'), 'utf8');
  const pages = files.map((file) => ({ file, href: pageName(file), title: file }));
  mkdirSync(values.out, { recursive: true });
  const summaries = [];
  for (const page of pages) {
    const source = readFileSync(path.join(ROOT, page.file), 'utf8');
    writeFileSync(path.join(values.out, page.href), renderPage({ file: page.file, source, pages, css: CSS + theme }));
    summaries.push({ ...page, summary: summary(source) });
  }
  writeFileSync(path.join(values.out, 'index.html'), renderIndex(summaries, CSS));
  writeFileSync(path.join(values.out, 'glossary.html'), renderProse('glossary', readFileSync(path.join(ROOT, 'notes', 'glossary.md'), 'utf8'), CSS));
  console.log(`docs: ${pages.length} pages and an index in ${values.out}/; open ${path.join(values.out, 'index.html')}`);
}

main();
