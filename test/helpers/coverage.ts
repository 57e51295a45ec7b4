/**
 * Coverage from the processes the tests start (masters, workers, scripts), not only from the tap process.
 *
 * tap measures the test process itself (@tapjs/processinfo) and filters it through the coverage map
 * (coverage-map.mjs). Masters and workers are started without tap's loader (it breaks Node's cluster
 * handshake, see spawnAsUser), so they are measured the way Node measures any process: NODE_V8_COVERAGE
 * names a directory, and at exit (process.exit included; SIGKILL excluded) Node writes V8's precise
 * coverage there, with the source maps of the scripts it loaded (doc/api/cli.md, NODE_V8_COVERAGE). Those
 * files cover every script, Node's own among them, a few MB each; so each process gets a directory of
 * its own, and when the test ends its files are cut down to the kit's compiled code (dist/) and moved
 * into tap's .tap/coverage, where tap's report (c8) maps them back to the TypeScript.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../lib/os/paths';

const enabled = process.env._TAPJS_PROCESSINFO_COVERAGE_ === '1';
const TAP_COVERAGE = path.join(process.env._TAPJS_PROCESSINFO_CWD_ ?? ROOT, '.tap', 'coverage');
const DIST = `${pathToFileURL(path.join(ROOT, 'dist'))}/`;

interface V8Coverage {
  result: Array<{ url: string }>;
  'source-map-cache'?: Record<string, unknown>;
}

let measured = enabled;

/**
 * For the files that start the same masters over and over under load (chaos, restarts, every model's
 * split, the benchmark, thousands of idle connections): their processes run the code the other files
 * measure, and measuring them costs more than it adds. V8's block counters slow every request they
 * serve, and each process leaves a report that tap merges at the end: about 20 s of a two-minute suite.
 * The file's own process is still measured. notes/testing.md, Coverage, lists the files.
 */
export function withoutChildCoverage(): void {
  measured = false;
}

/** A fresh directory for one process's coverage, or null when tap is not measuring coverage (or not this file's children). */
export function coverageDir(): string | null {
  return measured ? mkdtempSync(path.join(os.tmpdir(), 'handoff-coverage-')) : null;
}

/** Keeps what covers dist/ from each file in `dir`, hands it to tap, and removes `dir`. */
export function collectCoverage(dir: string | null): void {
  if (!dir) return;
  mkdirSync(TAP_COVERAGE, { recursive: true });
  for (const name of readdirSync(dir)) {
    let coverage: V8Coverage;
    try {
      coverage = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as V8Coverage;
    } catch {
      continue; // a process killed while writing it
    }
    coverage.result = coverage.result.filter(({ url }) => url.startsWith(DIST));
    if (coverage.result.length === 0) continue;
    const maps = coverage['source-map-cache'] ?? {};
    coverage['source-map-cache'] = Object.fromEntries(Object.entries(maps).filter(([url]) => url.startsWith(DIST)));
    writeFileSync(path.join(TAP_COVERAGE, `child-${path.basename(dir)}-${name}`), JSON.stringify(coverage));
  }
  rmSync(dir, { recursive: true, force: true });
}
