/**
 * lib/svg.ts — the benchmark's charts: horizontal bars, grouped, as a standalone SVG file. Hand-written
 * because it is forty lines and a charting library would bring a DOM or a browser with it.
 */
const ROW = 22;
const LABEL_WIDTH = 190;
const BAR_AREA = 420;
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];

export interface BarGroup {
  label: string;
  /** One bar per value, stacked in one row: a worker's share each, say, so an even split has even segments. */
  values: number[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `format` writes the text printed at the end of each row, from the group's values. */
export function barChart(title: string, groups: readonly BarGroup[], format: (values: number[]) => string): string {
  const widest = Math.max(1e-9, ...groups.map((group) => group.values.reduce((sum, value) => sum + value, 0)));
  const height = 40 + groups.length * ROW;
  const rows = groups.map((group, row) => {
    const y = 34 + row * ROW;
    let x = LABEL_WIDTH;
    const bars = group.values.map((value, position) => {
      const width = (value / widest) * BAR_AREA;
      const bar = `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${COLORS[position % COLORS.length]}"/>`;
      x += width;
      return bar;
    });
    return `<text x="${LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end">${escape(group.label)}</text>${bars.join('')}` +
      `<text x="${(x + 6).toFixed(1)}" y="${y + 12}">${escape(format(group.values))}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH + BAR_AREA + 200}" height="${height}" ` +
    `font-family="sans-serif" font-size="12">\n<text x="10" y="18" font-weight="bold">${escape(title)}</text>\n` +
    `${rows.join('\n')}\n</svg>\n`;
}
