// `node master.js` from the repo root: the master compiled from master.ts (npm install runs tsc into dist/).
try {
  require.resolve('./dist/master.js');
} catch {
  console.error('handoff: dist/master.js is missing; run `npm install` (or `npm run build`) first');
  process.exit(1);
}
require('./dist/master.js');
