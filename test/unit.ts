/**
 * The unit lane in one process: every file in test/unit/, loaded in name order. Each file's tests run
 * in the test process with fakes for processes and sockets, so they need no process of their own, and
 * tap's start-up (a second or more per file here) is paid once. `npx tap test/unit/<file>.ts` still runs
 * one file alone.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

for (const name of readdirSync(path.join(__dirname, 'unit')).filter((file) => file.endsWith('.ts')).sort()) {
  require(path.join(__dirname, 'unit', name));
}
