/**
 * scripts/fuzz.ts — `npm run fuzz -- [--runs 1000000] [--seed N]`: the kit's request parser beside llhttp
 * on generated requests (tools/fuzz/http.ts), a long run. Prints how many inputs, how many diverged and
 * why (each listed difference, with its count), and every input that crashed the kit or diverged for no
 * listed reason; exits 1 if there was any.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { compare, DIFFERENCES, explain, inputs, ours, theirs, type Difference } from '../tools/fuzz/http';

/** Inputs made per seed: fast-check draws each batch from its own seed, seed, seed + 1, ... */
const BATCH = 10_000;
/** Findings printed in full; the rest are counted. */
const SHOWN = 10;

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000000' }, seed: { type: 'string' } } });
  const runs = Number(values.runs);
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
    console.error('fuzz: --runs and --seed are whole numbers');
    process.exit(2);
  }
  const differences = new Map<Difference, number>();
  const findings: string[] = [];
  let done = 0;
  let crashes = 0;
  const began = Date.now();
  for (let batch = 0; done < runs; batch++) {
    for (const input of fc.sample(inputs, { numRuns: Math.min(BATCH, runs - done), seed: seed + batch })) {
      done++;
      let kit;
      try {
        kit = ours(input);
      } catch (error) {
        crashes++;
        findings.push(`crash: ${(error as Error).message}: ${JSON.stringify(input.toString('latin1'))}`);
        continue;
      }
      const llhttp = theirs(input);
      const difference = compare(kit, llhttp);
      if (difference === null) continue;
      const why = explain(input, kit, llhttp);
      if (why) differences.set(why, (differences.get(why) ?? 0) + 1);
      else findings.push(`unlisted divergence, ${difference}: ${JSON.stringify(input.toString('latin1'))}`);
    }
  }
  const diverged = [...differences.values()].reduce((sum, count) => sum + count, 0);
  console.log(`fuzz: ${done} inputs from seed ${seed} in ${((Date.now() - began) / 1000).toFixed(1)} s, Node ${process.version}`);
  console.log(`crashes ${crashes}; unlisted divergences ${findings.length - crashes}; listed differences ${diverged}:`);
  for (const name of Object.keys(DIFFERENCES) as Difference[]) console.log(`  ${String(differences.get(name) ?? 0).padStart(7)}  ${name}`);
  for (const finding of findings.slice(0, SHOWN)) console.log(finding);
  if (findings.length > SHOWN) console.log(`... and ${findings.length - SHOWN} more`);
  process.exitCode = findings.length === 0 ? 0 : 1;
}

main();
