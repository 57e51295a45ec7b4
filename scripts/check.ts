/**
 * scripts/check.ts — `npm run check`: the kit's shape, checked (tools/check/architecture.ts). Prints
 * each finding on a line and exits 1 if there is any; the unit lane runs the same checks.
 */
import { checkArchitecture } from '../tools/check/architecture';
import { ROOT } from '../lib/os/paths';

const findings = checkArchitecture(ROOT);
for (const { file, problem } of findings) console.log(`${file} ${problem}`);
console.log(findings.length === 0 ? 'check: layers, cycles, sizes and paths are fine' : `check: ${findings.length} finding(s)`);
process.exitCode = findings.length === 0 ? 0 : 1;
