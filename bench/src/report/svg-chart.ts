/**
 * A line chart as an SVG string, with no dependency: axes with "nice" ticks, one polyline per
 * series (gaps where a value is missing), a legend and optional vertical markers. The PNGs of the
 * report are screenshots of these.
 */
export interface ChartSeries {
  label: string;
  color: string;
  points: readonly { x: number; y: number }[];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Vertical lines with a label (ramp steps, the end of the warm-up). */
  markers?: readonly { x: number; label: string }[];
  /** A horizontal line (a target). */
  threshold?: { y: number; label: string };
  width?: number;
  height?: number;
  /** Logarithmic y axis (latencies spanning orders of magnitude). */
  logY?: boolean;
}

const escapeXml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + 1;
  const raw = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let value = Math.floor(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Math.round(value / step) * step);
    if (ticks.length > 50) break;
  }
  if ((ticks.at(-1) ?? 0) < max) ticks.push((ticks.at(-1) ?? 0) + step);
  return ticks;
}

export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${trim(value / 1_000_000)}M`;
  if (abs >= 10_000) return `${trim(value / 1_000)}k`;
  return trim(value);
}

const trim = (value: number) => String(Math.round(value * 100) / 100);

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 960;
  const height = spec.height ?? 420;
  const margin = { left: 80, right: 24, top: 48, bottom: 96 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = spec.series
    .flatMap((series) => series.points)
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y).concat(spec.threshold ? [spec.threshold.y] : []);
  const xTicks = niceTicks(Math.min(0, ...xs), xs.length > 0 ? Math.max(...xs) : 1);
  const log = spec.logY === true;
  const positive = ys.filter((y) => y > 0);
  const yTicks = log
    ? logTicks(
        positive.length > 0 ? Math.min(...positive) : 1,
        positive.length > 0 ? Math.max(...positive) : 10,
      )
    : niceTicks(0, ys.length > 0 ? Math.max(...ys) : 1);
  const [x0, x1] = [xTicks[0] ?? 0, xTicks.at(-1) ?? 1];
  const [y0, y1] = [yTicks[0] ?? 0, yTicks.at(-1) ?? 1];
  const sx = (x: number) => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => {
    const share = log
      ? (Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1)
      : (y - y0) / (y1 - y0 || 1);
    return margin.top + plotH - share * plotH;
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  for (const tick of yTicks) {
    const y = sy(tick).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`,
      `<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = sx(tick).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#f0f0f0"/>`,
      `<text x="${x}" y="${margin.top + plotH + 18}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 38}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  (spec.markers ?? []).forEach((marker, index) => {
    const x = sx(marker.x).toFixed(1);
    // Labels step down so neighbouring markers do not print over each other.
    const labelY = margin.top + 14 + (index % 3) * 14;
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#999" stroke-dasharray="4 4"/>`,
      `<text x="${Number(x) + 4}" y="${labelY}" font-size="11" fill="#555">${escapeXml(marker.label)}</text>`,
    );
  });
  if (spec.threshold) {
    const y = sy(spec.threshold.y).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#d62728" stroke-dasharray="8 4"/>`,
      `<text x="${margin.left + plotW - 4}" y="${Number(y) - 6}" text-anchor="end" font-size="11" fill="#d62728">${escapeXml(spec.threshold.label)}</text>`,
    );
  }
  for (const series of spec.series) {
    for (const run of segments(series.points)) {
      const d = run
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      );
    }
  }
  spec.series.forEach((series, index) => {
    const x = margin.left + (index % 3) * (plotW / 3);
    const y = margin.top + plotH + 62 + Math.floor(index / 3) * 18;
    parts.push(
      `<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${series.color}" stroke-width="3"${series.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      `<text x="${x + 28}" y="${y}" font-size="12">${escapeXml(series.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Consecutive runs of finite points: a missing value breaks the line instead of bridging it. */
function segments(points: readonly { x: number; y: number }[]): { x: number; y: number }[][] {
  const runs: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] = [];
  for (const point of points) {
    if (Number.isFinite(point.x) && Number.isFinite(point.y)) current.push(point);
    else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++)
    ticks.push(10 ** power);
  return ticks.length >= 2 ? ticks : [1, 10];
}
