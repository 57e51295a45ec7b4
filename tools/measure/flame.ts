/**
 * tools/measure/flame.ts — what a clinic flame graph shows, as lines of text.
 *
 * clinic flame runs the target under 0x, which turns V8's --prof ticks into stacks, root first, and
 * draws each stack as a tower. The top edge of a tower ("self") is where the CPU was; a frame's width
 * ("total") is the share of samples with that frame anywhere in the stack. The picture is for eyes.
 * This reads the same data (`<pid>.clinic-flame/<pid>.clinic-flame-samples`, one JSON array of stacks)
 * and names the widest tops and the widest JavaScript frames, so a terminal, a test or NOTES.md can
 * quote them. A sample with an empty stack is one V8 could not attribute (in GC, say).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Frame { name: string; type: string }
export interface FrameShare { name: string; share: number }
export interface FlameSummary {
  samples: number;
  unattributed: number;
  /** Leaf frames: where the CPU was when sampled (system calls show here, as libc symbols). */
  self: FrameShare[];
  /** JavaScript frames anywhere in the stack: what the time was spent on behalf of. */
  total: FrameShare[];
}

/** `sendmsg@@GLIBC_2.2.5` → `sendmsg`; `/repo/lib/http.js:65:27` → `lib/http.js:65:27`. */
function readable(name: string, root: string): string {
  return name.replace(/@@GLIBC_[\d.]+$/, '').split(`${root}${path.sep}`).join('').trim();
}

function widest(counts: Map<string, number>, samples: number, limit: number): FrameShare[] {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit)
    .map(([name, count]) => ({ name, share: count / samples }));
}

function add(counts: Map<string, number>, name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

export function summarizeFlame(stacks: Frame[][], root: string, limit = 8): FlameSummary {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let unattributed = 0;
  for (const stack of stacks) {
    const leaf = stack.at(-1);
    if (!leaf) {
      unattributed++;
      continue;
    }
    add(self, readable(leaf.name, root));
    const jsFrames = new Set(stack.filter((frame) => frame.type === 'JS').map((frame) => readable(frame.name, root)));
    for (const name of jsFrames) add(total, name);
  }
  const samples = stacks.length;
  return { samples, unattributed, self: widest(self, samples, limit), total: widest(total, samples, limit) };
}

/**
 * The samples behind a flame report: clinic writes `<pid>.clinic-flame.html` beside the directory
 * `<pid>.clinic-flame` that holds its data.
 */
export function readFlameSamples(reportPath: string): Frame[][] {
  const dir = reportPath.replace(/\.html$/, '');
  const file = readdirSync(dir).find((name) => name.endsWith('-samples'));
  if (!file) throw new Error(`no samples file in ${dir}`);
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Frame[][];
}

export function formatFlameSummary(summary: FlameSummary): string {
  const percent = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const rows = (shares: FrameShare[]) => shares.map(({ name, share }) => `  ${percent(share)}  ${name}`);
  return [
    `${summary.samples} samples, ${summary.unattributed} without a stack`,
    'self (top of the stack: where the CPU was)',
    ...rows(summary.self),
    'total (JavaScript frames, with everything they called)',
    ...rows(summary.total),
  ].join('\n');
}
