// npm run mutate starts a Node process for every test file a mutant is covered by, a few thousand in a run.
// ts-node's default transpiler loads TypeScript itself into each one (about half a second a start here);
// ts-node's swc transpiler does the same job in a fraction of it. Types are checked once per mutant by
// Stryker's TypeScript checker, not here (stryker.config.json).
require('ts-node').register({ transpileOnly: true, swc: true });
