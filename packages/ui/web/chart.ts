import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { percent, utcMinute } from './dom.ts';

/** One line on a time chart, optionally with an interval band around it. */
export interface ChartLine {
  label: string;
  values: (number | null)[];
  /** Interval ends, drawn as a shaded band between them. */
  low?: (number | null)[];
  high?: (number | null)[];
}

/** A vertical event line, e.g. a fingerprint change. */
export interface ChartMarker {
  /** Unix seconds. */
  t: number;
  label: string;
}

export interface TimeChartInput {
  /** Accessible name of the chart. */
  title: string;
  /** Unix seconds, ascending, shared by every line. */
  times: number[];
  lines: ChartLine[];
  markers?: ChartMarker[];
  /** A horizontal reference line (objective or threshold). */
  reference?: { value: number; label: string } | null;
  /** What the marker lines mean, for the legend. Default "events". */
  markerMeaning?: string;
  /** How y values read: rates as percentages by default. */
  format?: (value: number) => string;
  /** Upper y bound; default a little above the largest value. */
  yMax?: number;
  /** The x range in Unix seconds: the range asked for, so quiet stretches show as gaps. Default: the data's. */
  xRange?: [number, number];
  height?: number;
}

export interface DrawnChart {
  element: HTMLElement;
  destroy(): void;
}

/** Series colours come from CSS custom properties so light and dark themes both read well. */
function palette(): { lines: string[]; axis: string; grid: string; marker: string; reference: string } {
  const style = getComputedStyle(document.documentElement);
  const get = (name: string) => style.getPropertyValue(name).trim();
  return {
    lines: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => get(`--series-${i}`)),
    axis: get('--fg-muted'),
    grid: get('--grid'),
    marker: get('--marker'),
    reference: get('--reference'),
  };
}

/** The same colour with an alpha, for bands: accepts #rrggbb. */
function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (m === null) return hex;
  return `rgba(${parseInt(m[1] as string, 16)}, ${parseInt(m[2] as string, 16)}, ${parseInt(m[3] as string, 16)}, ${alpha})`;
}

/**
 * Draws lines with interval bands, event markers and a reference line on a canvas
 * (uPlot). The legend is HTML below the canvas so it is readable by screen readers;
 * the element carries data-* attributes describing what was drawn.
 */
export function drawTimeChart(container: HTMLElement, input: TimeChartInput): DrawnChart {
  const colours = palette();
  const format = input.format ?? ((v: number) => percent(v));
  const markers = input.markers ?? [];
  const reference = input.reference ?? null;
  const data: (number | null)[][] = [input.times];
  const series: uPlot.Series[] = [{ value: (_u, v) => (v === null ? '–' : utcMinute(v * 1000)) }];
  const bands: uPlot.Band[] = [];
  let bandCount = 0;
  let highest = reference?.value ?? 0;
  input.lines.forEach((line, index) => {
    const colour = colours.lines[index % colours.lines.length] || '#1f77b4';
    const lineIndex = data.length;
    data.push(line.values);
    series.push({ label: line.label, stroke: colour, width: 2, spanGaps: false, value: (_u, v) => (v === null ? '–' : format(v)) });
    for (const v of [...line.values, ...(line.high ?? [])]) if (v !== null && v > highest) highest = v;
    if (line.low !== undefined && line.high !== undefined) {
      data.push(line.high, line.low);
      // The interval ends are drawn as the band only, not as lines of their own.
      series.push({ label: `${line.label} upper`, stroke: 'transparent', width: 0, points: { show: false } });
      series.push({ label: `${line.label} lower`, stroke: 'transparent', width: 0, points: { show: false } });
      bands.push({ series: [lineIndex + 1, lineIndex + 2], fill: withAlpha(colour, 0.18) });
      bandCount += 1;
    }
  });
  const yMax = input.yMax ?? (highest > 0 ? highest * 1.1 : 1);
  const markerXs: number[] = [];
  const canvasWrap = document.createElement('div');
  canvasWrap.className = 'chart-canvas';
  const width = Math.max(320, container.clientWidth || 800);
  const options: uPlot.Options = {
    width,
    height: input.height ?? 300,
    series,
    bands,
    legend: { show: false },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true, ...(input.xRange === undefined ? {} : { range: () => input.xRange as [number, number] }) }, y: { range: () => [0, yMax] } },
    // Every time on the page is UTC (the summary, tables and the API), so the axis is too.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    axes: [
      { stroke: colours.axis, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid } },
      { stroke: colours.axis, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid }, size: 64, values: (_u, ticks) => ticks.map((v) => format(v)) },
    ],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          const { left, top, width: w, height: hgt } = u.bbox;
          ctx.save();
          ctx.lineWidth = 2 * uPlot.pxRatio;
          if (reference !== null) {
            const y = u.valToPos(reference.value, 'y', true);
            ctx.strokeStyle = colours.reference;
            ctx.setLineDash([8 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + w, y);
            ctx.stroke();
          }
          markerXs.length = 0;
          ctx.strokeStyle = colours.marker;
          ctx.fillStyle = colours.marker;
          ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
          ctx.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
          ctx.textBaseline = 'alphabetic';
          for (const marker of markers) {
            // Whole canvas pixels keep the 2-px line crisp instead of smeared over three columns.
            const x = Math.round(u.valToPos(marker.t, 'x', true));
            if (x < left || x > left + w) continue;
            markerXs.push(x / uPlot.pxRatio);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + hgt);
            ctx.stroke();
            // Labels sit right of their line, or left of it near the right edge.
            const width = ctx.measureText(marker.label).width;
            const rightward = x + 4 * uPlot.pxRatio + width <= left + w;
            ctx.textAlign = rightward ? 'left' : 'right';
            ctx.fillText(marker.label, rightward ? x + 4 * uPlot.pxRatio : x - 4 * uPlot.pxRatio, top + 12 * uPlot.pxRatio);
          }
          ctx.restore();
          canvasWrap.dataset.markerX = markerXs.map((x) => x.toFixed(1)).join(',');
        },
      ],
    },
  };
  const element = document.createElement('figure');
  element.className = 'chart';
  element.setAttribute('role', 'group');
  element.setAttribute('aria-label', input.title);
  element.dataset.lines = String(input.lines.length);
  element.dataset.bands = String(bandCount);
  element.dataset.markers = String(markers.length);
  element.dataset.points = String(input.times.length);
  element.append(canvasWrap);
  const legend = document.createElement('ul');
  legend.className = 'chart-legend';
  input.lines.forEach((line, index) => {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colours.lines[index % colours.lines.length] || '#1f77b4';
    item.append(swatch, line.label + (line.low === undefined ? '' : ' (line: rate, band: interval)'));
    legend.append(item);
  });
  if (reference !== null) {
    const item = document.createElement('li');
    item.className = 'legend-reference';
    item.textContent = `dashed line: ${reference.label} ${format(reference.value)}`;
    legend.append(item);
  }
  if (markers.length > 0) {
    const item = document.createElement('li');
    item.className = 'legend-marker';
    item.textContent = `dotted vertical lines: ${input.markerMeaning ?? 'events'}`;
    legend.append(item);
  }
  element.append(legend);
  container.append(element);
  const plot = new uPlot(options, data as uPlot.AlignedData, canvasWrap);
  const resize = new ResizeObserver(() => {
    const next = Math.max(320, container.clientWidth);
    if (Math.abs(next - plot.width) > 2) plot.setSize({ width: next, height: plot.height });
  });
  resize.observe(container);
  element.dataset.ready = 'true';
  // Time to first chart is measured from navigation start to this mark (bench/ui.ts).
  if (performance.getEntriesByName('behavior-rate:chart-drawn').length === 0) performance.mark('behavior-rate:chart-drawn');
  return {
    element,
    destroy() {
      resize.disconnect();
      plot.destroy();
      element.remove();
    },
  };
}
