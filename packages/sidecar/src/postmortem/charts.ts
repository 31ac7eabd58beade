import * as echarts from 'echarts';
import type { Postmortem } from './build.ts';

/**
 * Charts rendered to SVG on the server with Apache ECharts' server-side renderer: the
 * HTML needs no script and no network to show them, and prints and mails as it is.
 */
function render(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const short = (label: string, max = 48): string => (label.length > max ? `${label.slice(0, max - 1)}…` : label);

/** Replay output histogram: one bar per output group, red when the group shows the reported behavior. Null without replays. */
export function histogramSvg(pm: Postmortem): string | null {
  const groups = pm.replay?.histogram.slice(0, 12) ?? [];
  if (groups.length === 0) return null;
  const reversed = [...groups].reverse();
  return render(
    {
      title: { text: `Replay outputs (${pm.replay?.completed} completed)`, left: 'center', textStyle: { fontSize: 14 } },
      grid: { left: 420, right: 40, top: 40, bottom: 30 },
      xAxis: { type: 'value', name: 'replays', minInterval: 1 },
      yAxis: { type: 'category', data: reversed.map((g) => short(g.label, 64)), axisLabel: { fontSize: 11 } },
      series: [
        {
          type: 'bar',
          data: reversed.map((g) => ({ value: g.count, itemStyle: { color: g.behaviors.includes(pm.behavior) ? '#c0392b' : '#5470c6' } })),
          label: { show: true, position: 'right' },
        },
      ],
    },
    820,
    Math.max(160, 60 + 28 * groups.length),
  );
}

/** Production rate over the baseline and the window, with its 95% band, the incident and fingerprint changes marked. */
export function rateSvg(pm: Postmortem): string | null {
  const points = pm.production.series.filter((p) => p.calls > 0);
  if (points.length === 0) return null;
  const t = (iso: string) => Date.parse(iso);
  const pct = (v: number) => Number((v * 100).toFixed(4));
  const marks = [
    { xAxis: pm.call.timestampMs, name: 'incident', lineStyle: { color: '#c0392b', type: 'solid' as const, width: 2 }, label: { formatter: 'incident', position: 'insideEndTop' as const } },
    ...pm.fingerprints.changes.map((c) => ({ xAxis: t(c.at), name: c.fingerprint, lineStyle: { color: '#8e44ad', type: 'dashed' as const }, label: { formatter: `new fingerprint ${c.fingerprint}`, position: 'insideMiddleTop' as const } })),
  ];
  return render(
    {
      title: { text: `Live ${pm.behavior} rate per ${pm.production.step} with 95% interval`, left: 'center', textStyle: { fontSize: 14 } },
      grid: { left: 60, right: 40, top: 50, bottom: 40 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: '%', min: 0 },
      series: [
        { name: 'ci_low', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: points.map((p) => [t(p.t), pct(p.ci_low)]) },
        { name: '95% interval', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: '#5470c6', opacity: 0.2 }, data: points.map((p) => [t(p.t), pct(p.ci_high - p.ci_low)]) },
        {
          name: 'rate',
          type: 'line',
          symbol: 'circle',
          symbolSize: 3,
          lineStyle: { color: '#5470c6' },
          data: points.map((p) => [t(p.t), pct(p.rate ?? 0)]),
          markLine: { symbol: 'none', data: marks },
          markArea: { itemStyle: { color: 'rgba(192,57,43,0.06)' }, data: [[{ xAxis: pm.window.during.from.getTime() }, { xAxis: pm.window.during.to.getTime() }]] },
        },
      ],
    },
    820,
    320,
  );
}
