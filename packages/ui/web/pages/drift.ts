import { ApiError, getJson, withQuery } from '../api.ts';
import { drawTimeChart, type DrawnChart } from '../chart.ts';
import { h, message, percent, utcMinute } from '../dom.ts';
import type { PageView, Shell } from '../page.ts';
import { rangeControls } from '../range.ts';
import { stepFor, timeRange, type ViewState } from '../state.ts';
import { errorMessage } from './rates.ts';

interface CanaryStatus {
  configured: boolean;
  cases?: number;
  endpoint?: string;
  intervalMs?: number;
  leader?: boolean | null;
  runs?: number;
  nextRunAt?: string | null;
}

interface DriftPoint {
  t: string;
  score: number | null;
  cases: number;
  cases_scored: number;
  runs: number;
  errors: number;
  expectation_failed_share: number | null;
  above_threshold: boolean;
}

interface DriftCase {
  case_id: string;
  distance: number | null;
  scored: boolean;
  runs: number;
  baseline_runs: number;
  errors: number;
  failed: number;
  checked: number;
  outcomes: { outcome: string; window: number; baseline: number }[];
}

interface DriftAnswer {
  window_minutes: number;
  threshold: number;
  points: DriftPoint[];
  crossings: string[];
  cases: DriftCase[];
}

interface TrafficMixAnswer {
  threshold: number;
  points: { t: string; calls: number; baseline_calls: number; score: number | null; above_threshold: boolean }[];
  peak: { t: string; score: number; movers: { dimension: string; value: string; window_share: number; baseline_share: number; window_calls: number }[] } | null;
}

const score = (v: number) => v.toFixed(2);

/** A section that loads on its own: one failing endpoint leaves the others readable. */
function section(title: string): { element: HTMLElement; body: HTMLElement } {
  const body = h('div', { 'aria-busy': 'true' }, message('loading', `Loading ${title.toLowerCase()}…`));
  return { element: h('section', { class: 'stack', 'aria-label': title }, h('h3', {}, title), body), body };
}

function canaryStatusView(status: CanaryStatus): HTMLElement {
  if (!status.configured) {
    return message(
      'empty',
      'No canaries are configured on this sidecar.',
      'Drift is measured by a fixed canary set sent to the model every minute. Start the sidecar with --canaries canaries.yaml --canary-endpoint URL (API key from OPENAI_API_KEY); another replica may also run them for a shared database.',
    );
  }
  const every = status.intervalMs === undefined ? '' : ` every ${Math.round(status.intervalMs / 1000)} s`;
  const leader = status.leader === false ? ' This replica is not the canary leader; another one runs them.' : '';
  return h('p', { 'data-canary': 'configured' }, `${status.cases ?? 0} canary cases sent to ${status.endpoint ?? 'the endpoint'}${every}; ${status.runs ?? 0} runs so far${status.nextRunAt ? `, next at ${utcMinute(status.nextRunAt)}` : ''}.${leader}`);
}

function casesTable(cases: readonly DriftCase[]): HTMLElement {
  const rows = cases.map((c) => {
    const top = [...c.outcomes].sort((a, b) => b.window + b.baseline - (a.window + a.baseline)).slice(0, 3);
    return h(
      'tr',
      {},
      h('th', { scope: 'row', class: 'mono' }, c.case_id),
      h('td', { class: 'num' }, c.distance === null ? (c.scored ? '–' : 'too few runs') : score(c.distance)),
      h('td', { class: 'num' }, `${c.runs} / ${c.baseline_runs}`),
      h('td', { class: 'num' }, String(c.errors)),
      h('td', { class: 'num' }, c.checked === 0 ? '–' : `${c.failed} of ${c.checked}`),
      h('td', {}, top.map((o) => `${o.outcome}: ${percent(o.window)} now vs ${percent(o.baseline)} baseline`).join('; ') || '–'),
    );
  });
  return h(
    'table',
    { class: 'cases' },
    h('caption', { class: 'muted' }, 'Per case at the end of the range: Jensen–Shannon distance of normalised outcomes, window vs baseline.'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Case'), h('th', { scope: 'col', class: 'num' }, 'Distance'), h('th', { scope: 'col', class: 'num' }, 'Runs (window / baseline)'), h('th', { scope: 'col', class: 'num' }, 'Errors'), h('th', { scope: 'col', class: 'num' }, 'Expectation failed'), h('th', { scope: 'col' }, 'Most common outcomes'))),
    h('tbody', {}, ...rows),
  );
}

/** Drift: whether the canary answers moved (drift score, per case), and whether the traffic moved (traffic mix). */
export function driftPage(root: HTMLElement, shell: Shell): PageView {
  const range = rangeControls(shell);
  const canary = section('Canary set');
  const drift = section('Canary drift score');
  const mix = section('Traffic mix');
  root.append(h('h2', {}, 'Drift'), h('div', { class: 'controls' }, range.element), canary.element, drift.element, mix.element);
  const charts: DrawnChart[] = [];
  let generation = 0;

  function settle(body: HTMLElement, ...content: (Node | string)[]) {
    body.replaceChildren(...content);
    body.setAttribute('aria-busy', 'false');
  }

  function failed(body: HTMLElement, error: unknown, what: string) {
    if (error instanceof ApiError && error.notAvailable) settle(body, message('unavailable', `${what} is not available on this sidecar.`, `It has no ${error.path.split('?')[0]} endpoint; upgrade the sidecar to see it.`));
    else settle(body, errorMessage(error));
  }

  async function load(state: ViewState): Promise<void> {
    const mine = ++generation;
    const stale = () => mine !== generation;
    for (const chart of charts.splice(0)) chart.destroy();
    for (const s of [canary, drift, mix]) {
      s.body.setAttribute('aria-busy', 'true');
      s.body.replaceChildren(message('loading', 'Loading…'));
    }
    const { from, to } = timeRange(state);
    const window = { from: from.toISOString(), to: to.toISOString(), step: stepFor(from, to) };
    const canaryDone = getJson<CanaryStatus>('/api/v1/canary').then(
      (status) => !stale() && settle(canary.body, canaryStatusView(status)),
      (error) => !stale() && failed(canary.body, error, 'Canary status'),
    );
    const driftDone = getJson<DriftAnswer>(withQuery('/api/v1/drift', window)).then(
      (answer) => {
        if (stale()) return;
        const scored = answer.points.filter((p) => p.score !== null);
        if (answer.points.every((p) => p.runs === 0)) {
          settle(drift.body, message('empty', 'No canary runs were recorded in this time range.', 'The drift score needs canary results; see the canary set above, or choose a longer range.'));
          return;
        }
        if (scored.length === 0) {
          settle(drift.body, message('empty', 'Canary runs were recorded, but none could be scored yet.', `A score needs enough runs per case in the window (${answer.window_minutes} min) and in the baseline.`));
          return;
        }
        const last = scored[scored.length - 1] as DriftPoint;
        drift.body.replaceChildren(
          h('p', {}, h('span', { class: 'score' }, score(last.score as number)), ` at ${utcMinute(last.t)} (threshold ${score(answer.threshold)}; ${last.cases_scored} of ${last.cases} cases scored; expectation failed in ${percent(last.expectation_failed_share)} of runs)`),
        );
        const chart = drawTimeChart(drift.body, {
          title: 'Canary drift score over time',
          times: answer.points.map((p) => Date.parse(p.t) / 1000),
          xRange: [from.getTime() / 1000, to.getTime() / 1000],
          lines: [{ label: 'drift score (0 = same answers as baseline, 1 = entirely different)', values: answer.points.map((p) => p.score) }],
          reference: { value: answer.threshold, label: 'alert threshold' },
          format: score,
          yMax: 1,
          height: 220,
        });
        charts.push(chart);
        if (answer.crossings.length > 0) drift.body.append(h('p', {}, `Crossed the threshold at ${answer.crossings.map(utcMinute).join(', ')}.`));
        drift.body.append(answer.cases.length === 0 ? message('empty', 'No per-case results at the end of the range.') : casesTable(answer.cases));
        drift.body.setAttribute('aria-busy', 'false');
      },
      (error) => !stale() && failed(drift.body, error, 'Canary drift'),
    );
    const mixDone = getJson<TrafficMixAnswer>(withQuery('/api/v1/traffic-mix', window)).then(
      (answer) => {
        if (stale()) return;
        if (answer.points.every((p) => p.calls === 0)) {
          settle(mix.body, message('empty', 'No calls in this time range, so there is no traffic mix to compare.'));
          return;
        }
        mix.body.replaceChildren(h('p', { class: 'muted' }, 'How far the mix of traffic classes, operations and prompt templates moved from its baseline (Jensen–Shannon distance).'));
        charts.push(
          drawTimeChart(mix.body, {
            title: 'Traffic mix divergence over time',
            times: answer.points.map((p) => Date.parse(p.t) / 1000),
            xRange: [from.getTime() / 1000, to.getTime() / 1000],
            lines: [{ label: 'traffic mix divergence', values: answer.points.map((p) => p.score) }],
            reference: { value: answer.threshold, label: 'threshold' },
            format: score,
            yMax: 1,
            height: 200,
          }),
        );
        if (answer.peak !== null && answer.peak.movers.length > 0) {
          mix.body.append(
            h('p', {}, `Largest divergence ${score(answer.peak.score)} at ${utcMinute(answer.peak.t)}; what moved:`),
            h('ul', {}, ...answer.peak.movers.map((m) => h('li', {}, `${m.dimension} ${m.value || '(none)'}: ${percent(m.window_share)} of calls vs ${percent(m.baseline_share)} in the baseline`))),
          );
        }
        mix.body.setAttribute('aria-busy', 'false');
      },
      (error) => !stale() && failed(mix.body, error, 'Traffic mix'),
    );
    await Promise.all([canaryDone, driftDone, mixDone]);
  }

  return {
    update(state) {
      range.sync(state);
      void load(state);
    },
    destroy() {
      generation++;
      for (const chart of charts.splice(0)) chart.destroy();
    },
  };
}
