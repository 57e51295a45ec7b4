// Coverage policy (see NOTES.md, "Coverage"). The pure modules (parsers, statistics, flags, message
// checks) are loaded in-process by their own unit test, which must cover them 100%. The code that only
// runs inside real master and worker processes (binding, supervisor, responder, models, entry scripts)
// is exercised by the process-level tests, whose coverage tap cannot attribute; they map to nothing.
const units = {
  'test/http-head.ts': ['lib/http-head.js'],
  'test/http-body.ts': ['lib/http-body.js'],
  'test/stats.ts': ['lib/stats.js', 'lib/report.js'],
  'test/ipc.ts': ['lib/ipc.js'],
  'test/cli.ts': ['lib/cli.js'],
  'test/live.ts': ['lib/live.js'],
  'test/ab.ts': ['lib/ab.js', 'lib/svg.js'],
  'test/flame.ts': ['lib/flame.js'],
};
export default (testFile) => units[testFile] ?? null;
