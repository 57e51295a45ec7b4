/**
 * tools/measure/charts.ts — the benchmark's charts, as standalone SVG files: stacked horizontal bars (a
 * model's split, a target's req/s) and lines against concurrency (req/s and CPU per request, one line
 * per target). Hand-written because each is a screen of code, and a charting library would bring a DOM
 * or a browser with it. Text is measured with a fixed width per character (CHAR_WIDTH, generous for a
 * 12 px sans-serif), so labels are never cut off at the edge.
 */
const ROW = 22;
const FONT_SIZE = 12;
const CHAR_WIDTH = 7.2;
const BAR_AREA = 420;
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4'];

export interface BarGroup {
  label: string;
  /** One bar per value, stacked in one row: a worker's share each, say, so an even split has even segments. */
  values: number[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const textWidth = (text: string) => Math.ceil(text.length * CHAR_WIDTH);

function svg(width: number, height: number, title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" ` +
    `font-family="sans-serif" font-size="${FONT_SIZE}">\n<rect width="100%" height="100%" fill="#fff"/>\n` +
    `<text x="10" y="18" font-weight="bold">${escape(title)}</text>\n${body.join('\n')}\n</svg>\n`;
}

/** `format` writes the text printed at the end of each row, from the group's values. */
export function barChart(title: string, groups: readonly BarGroup[], format: (values: number[]) => string): string {
  const widest = Math.max(1e-9, ...groups.map((group) => group.values.reduce((sum, value) => sum + value, 0)));
  const labelWidth = 12 + Math.max(0, ...groups.map((group) => textWidth(group.label)));
  const endTexts = groups.map((group) => format(group.values));
  const width = Math.max(textWidth(title) + 20, labelWidth + BAR_AREA + 12 + Math.max(0, ...endTexts.map(textWidth)) + 10);
  const rows = groups.map((group, row) => {
    const y = 34 + row * ROW;
    let x = labelWidth;
    const bars = group.values.map((value, at) => {
      const barWidth = (value / widest) * BAR_AREA;
      const bar = `<rect x="${x.toFixed(1)}" y="${y}" width="${barWidth.toFixed(1)}" height="${ROW - 6}" fill="${COLORS[at % COLORS.length]}"/>`;
      x += barWidth;
      return bar;
    });
    return `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${escape(group.label)}</text>${bars.join('')}` +
      `<text x="${(x + 6).toFixed(1)}" y="${y + 12}">${escape(endTexts[row]!)}</text>`;
  });
  return svg(width, 40 + groups.length * ROW, title, rows);
}

export interface Series {
  label: string;
  /** One value per x; null where the target did not run. */
  values: Array<number | null>;
  /** Series of one group share a colour (a model on both transports); the first label of a group by default. */
  group?: string;
  /** Drawn dashed: the second member of a group (the socket transport). */
  dashed?: boolean;
}

/** A round step for about five grid lines up to `max`: 1, 2 or 5 times a power of ten. */
export function gridStep(max: number): number {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough || 1));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= rough) ?? power * 10;
}

/**
 * Lines over evenly spaced x categories (concurrency 1, 10, 100), one per series, with a legend on the
 * right. A group's series share a colour; a dashed one is told apart by its dashes.
 */
export function lineChart(title: string, xLabel: string, yLabel: string, xs: readonly number[], series: readonly Series[]): string {
  const plot = { left: 70, top: 40, width: 460, height: 260 };
  const max = Math.max(1e-9, ...series.flatMap((each) => each.values.filter((value): value is number => value !== null)));
  const step = gridStep(max);
  const top = Math.ceil(max / step) * step;
  const xAt = (at: number) => plot.left + (xs.length === 1 ? plot.width / 2 : (at * plot.width) / (xs.length - 1));
  const yAt = (value: number) => plot.top + plot.height - (value / top) * plot.height;
  const body: string[] = [];
  for (let value = 0; value <= top + step / 2; value += step) {
    const y = yAt(value).toFixed(1);
    body.push(`<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${y}" y2="${y}" stroke="#e3e6eb"/>` +
      `<text x="${plot.left - 6}" y="${Number(y) + 4}" text-anchor="end">${Number(value.toPrecision(6))}</text>`);
  }
  xs.forEach((x, at) => body.push(`<text x="${xAt(at).toFixed(1)}" y="${plot.top + plot.height + 18}" text-anchor="middle">${x}</text>`));
  body.push(`<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height + 36}" text-anchor="middle">${escape(xLabel)}</text>`);
  body.push(`<text transform="translate(16 ${plot.top + plot.height / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`);
  const groups = [...new Set(series.map((each) => each.group ?? each.label))];
  series.forEach((each, at) => {
    const color = COLORS[groups.indexOf(each.group ?? each.label) % COLORS.length];
    const dash = each.dashed ? ' stroke-dasharray="6 4"' : '';
    const points = each.values.flatMap((value, x) => (value === null ? [] : [`${xAt(x).toFixed(1)},${yAt(value).toFixed(1)}`]));
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.join(' ')}"/>` +
      points.map((point) => `<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="3" fill="${color}"/>`).join(''));
    const legendY = plot.top + 8 + at * 18;
    body.push(`<line x1="${plot.left + plot.width + 20}" x2="${plot.left + plot.width + 40}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"${dash}/>` +
      `<text x="${plot.left + plot.width + 46}" y="${legendY}">${escape(each.label)}</text>`);
  });
  const legendWidth = 60 + Math.max(0, ...series.map((each) => textWidth(each.label)));
  const height = Math.max(plot.top + plot.height + 50, plot.top + 18 * series.length + 10);
  return svg(Math.max(plot.left + plot.width + legendWidth, textWidth(title) + 20), height, title, body);
}
