/**
 * lib/measure/charts.ts: the SVG the benchmark writes, checked as text.
 */
import t from 'tap';
import { barChart, gridStep, lineChart } from '../lib/measure/charts';

const CHAR_WIDTH = 7.2;

/** Every text's right edge, from its x, its anchor and its length: none may pass the picture's width. */
function overflows(svg: string): string[] {
  const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
  return [...svg.matchAll(/<text x="([\d.]+)"[^>]*?(text-anchor="(end|middle)")?[^>]*>([^<]*)<\/text>/g)].flatMap((match) => {
    const x = Number(match[1]);
    const length = match[4]!.replace(/&\w+;/g, '_').length * CHAR_WIDTH;
    const right = match[3] === 'end' ? x : match[3] === 'middle' ? x + length / 2 : x + length;
    return right > width ? [`"${match[4]}" ends at ${right.toFixed(0)} > ${width}`] : [];
  });
}

t.test('bars: one row per group, stacked segments scaled to the widest row', async (t) => {
  const svg = barChart('a <title>', [{ label: 'even', values: [1, 1] }, { label: 'one', values: [4] }], (values) => `${values.length} & more`);
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="84"/);
  t.match(svg, /a &lt;title&gt;/);
  t.equal(svg.match(/<rect x=/g)?.length, 3);
  const label = 12 + Math.ceil(4 * CHAR_WIDTH);
  t.match(svg, new RegExp(`<rect x="${label}\\.0" y="34" width="105\\.0"[^>]*/><rect x="${label + 105}\\.0" y="34" width="105\\.0"`));
  t.match(svg, new RegExp(`<rect x="${label}\\.0" y="56" width="420\\.0"`));
  t.match(svg, /2 &amp; more/);
  t.match(barChart('empty', [], () => ''), /height="40"/);
});

t.test('bars: long labels at both ends stay inside the picture (distribution.svg was cut off)', async (t) => {
  const svg = barChart('Share of connections per worker', [
    { label: 'rr-pipelined/socket', values: [2500, 2500, 2500, 2500] },
    { label: 'shared', values: [2826, 2673, 2493, 2032] },
  ], (counts) => `${counts.join(' / ')}  max/min ${(Math.max(...counts) / Math.min(...counts)).toFixed(2)}`);
  t.same(overflows(svg), []);
});

t.test('lines: one polyline per series, evenly spaced x, a round grid, and nothing cut off', async (t) => {
  const svg = lineChart('req/s against concurrency', 'ab -c', 'req/s', [1, 10, 100], [
    { label: 'shared', values: [1000, 4000, 9000] },
    { label: 'nginx-return-200 (a long name)', values: [5000, null, 18000] },
  ]);
  const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((match) => match[1]!.split(' '));
  t.equal(lines.length, 2);
  t.equal(lines[0]!.length, 3);
  t.equal(lines[1]!.length, 2, 'a missing value leaves a gap, not a zero');
  t.same(lines[0]!.map((point) => point.split(',')[0]), ['70.0', '300.0', '530.0']);
  t.match(svg, />20000<\/text>/, 'the grid goes up to the next round step');
  t.same(overflows(svg), []);
  t.same([gridStep(9000), gridStep(18000), gridStep(0.3), gridStep(0)], [2000, 5000, 0.1, 1]);
});
