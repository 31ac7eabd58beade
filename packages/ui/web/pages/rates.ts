import { ApiError, behaviorsOnce, getJson, withQuery, type BehaviorListing, type RateAnswer, type RateSeries } from '../api.ts';
import { drawTimeChart, type ChartLine, type ChartMarker, type DrawnChart } from '../chart.ts';
import { h, message, percent, rateSentence, utcMinute } from '../dom.ts';
import { labelled, select, type PageView, type Shell } from '../page.ts';
import { rangeControls } from '../range.ts';
import { SOURCES, SPLITS, stepFor, timeRange, type ViewState } from '../state.ts';

const SPLIT_LABELS: Record<(typeof SPLITS)[number], string> = {
  '': 'No split',
  fingerprint: 'Fingerprint',
  model: 'Model',
  service: 'Service',
  traffic_class: 'Traffic class',
  index_version: 'Index version',
  tool_schema_hash: 'Tool schema hash',
};

/** More groups than this make the bands unreadable; the rest are listed, not drawn. */
const MAX_GROUPS = 6;
/** The data table is for reading values, not a dump: it stops here. */
const MAX_TABLE_ROWS = 400;

/** The behavior to show when the URL names none (or an unknown one): one that has occurred, preferring those with an objective. */
export function defaultBehavior(behaviors: readonly BehaviorListing[], wanted: string): string | undefined {
  if (behaviors.some((b) => b.name === wanted)) return wanted;
  return (behaviors.find((b) => b.observed && b.objective !== null) ?? behaviors.find((b) => b.observed) ?? behaviors[0])?.name;
}

/**
 * Fingerprint changes from the rate split by fingerprint: a fingerprint's first step
 * with calls, when another fingerprint was answering before it. The fingerprint that
 * answers the first calls in the range is not a change we saw.
 */
export function fingerprintChanges(byFingerprint: readonly RateSeries[]): ChartMarker[] {
  const firsts = byFingerprint
    .map((series) => ({ group: series.group, t: series.points.find((p) => p.calls > 0)?.t }))
    .filter((first): first is { group: string; t: string } => first.t !== undefined)
    .map((first) => ({ label: first.group === '' ? '(no fingerprint)' : first.group, t: Date.parse(first.t) / 1000 }))
    .sort((a, b) => a.t - b.t);
  const earliest = firsts[0]?.t;
  return firsts.filter((first) => first.t > (earliest as number));
}

interface FingerprintEvent {
  t: string;
  kind: 'appeared' | 'disappeared';
  model: string;
  system_fingerprint: string;
  response_model: string;
}

/**
 * Fingerprint changes for the range: the fingerprint timeline's "appeared" events when
 * the sidecar has that endpoint, else derived from the rate split by fingerprint.
 */
async function fingerprintMarkers(from: Date, to: Date, state: ViewState, rateQuery: (by: string | undefined) => string): Promise<ChartMarker[]> {
  try {
    const timeline = await getJson<{ events: FingerprintEvent[] }>(withQuery('/api/v1/fingerprints', { from: from.toISOString(), to: to.toISOString(), source: state.source }));
    return timeline.events
      .filter((event) => event.kind === 'appeared')
      .map((event) => ({ t: Date.parse(event.t) / 1000, label: event.system_fingerprint || event.response_model }))
      .sort((a, b) => a.t - b.t);
  } catch (error) {
    if (!(error instanceof ApiError && error.notAvailable)) throw error;
  }
  return fingerprintChanges((await getJson<RateAnswer>(rateQuery('fingerprint'))).series);
}

function seriesCalls(series: RateSeries): number {
  return series.points.reduce((sum, p) => sum + p.calls, 0);
}

/** Lines aligned on the union of the steps that had calls in any drawn group. */
function chartLines(series: readonly RateSeries[]): { times: number[]; lines: ChartLine[] } {
  const times = [...new Set(series.flatMap((s) => s.points.filter((p) => p.calls > 0).map((p) => Date.parse(p.t) / 1000)))].sort((a, b) => a - b);
  const position = new Map(times.map((t, i) => [t, i]));
  const lines = series.map((s): ChartLine => {
    const values: (number | null)[] = times.map(() => null);
    const low: (number | null)[] = times.map(() => null);
    const high: (number | null)[] = times.map(() => null);
    for (const p of s.points) {
      const i = position.get(Date.parse(p.t) / 1000);
      if (i === undefined || p.calls === 0) continue;
      values[i] = p.rate;
      low[i] = p.ci_low;
      high[i] = p.ci_high;
    }
    return { label: s.group === '' ? '(none)' : s.group, values, low, high };
  });
  return { times, lines };
}

function dataTable(series: readonly RateSeries[], confidence: number): HTMLElement {
  const body = h('tbody');
  let rows = 0;
  outer: for (const s of series) {
    for (const p of s.points) {
      if (rows++ >= MAX_TABLE_ROWS) break outer;
      body.append(h('tr', {}, h('td', {}, utcMinute(p.t)), h('td', {}, s.group || '(none)'), h('td', { class: 'num' }, String(p.hits)), h('td', { class: 'num' }, String(p.calls)), h('td', { class: 'num' }, percent(p.rate)), h('td', { class: 'num' }, `${percent(p.ci_low)}–${percent(p.ci_high)}`)));
    }
  }
  const level = Math.round(confidence * 100);
  return h(
    'details',
    { class: 'data-table' },
    h('summary', {}, 'Data table'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Step start (UTC)'), h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col' }, 'Hits'), h('th', { scope: 'col' }, 'Calls'), h('th', { scope: 'col' }, 'Rate'), h('th', { scope: 'col' }, `${level}% interval`))), body),
    rows > MAX_TABLE_ROWS ? h('p', { class: 'muted' }, `First ${MAX_TABLE_ROWS} rows shown; narrow the range for the rest.`) : null,
  );
}

/** Rates: a behavior's rate over time with its interval band, split, fingerprint changes and objective. */
export function ratesPage(root: HTMLElement, shell: Shell): PageView {
  const behaviorSelect = select('behavior', []);
  const splitSelect = select('by', SPLITS.map((s) => [s, SPLIT_LABELS[s]] as const));
  const sourceSelect = select('source', SOURCES.map((s) => [s, s === 'all' ? 'All traffic' : `${s[0]?.toUpperCase()}${s.slice(1)} calls`] as const));
  const range = rangeControls(shell);
  behaviorSelect.addEventListener('change', () => shell.update({ behavior: behaviorSelect.value }));
  splitSelect.addEventListener('change', () => shell.update({ by: splitSelect.value as ViewState['by'] }));
  sourceSelect.addEventListener('change', () => shell.update({ source: sourceSelect.value as ViewState['source'] }));
  const description = h('p', { class: 'muted behavior-description' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('div', { class: 'rates-body', 'aria-busy': 'false' });
  root.append(
    h('h2', {}, 'Behavior rates'),
    h('div', { class: 'controls' }, labelled('Behavior', behaviorSelect), labelled('Split by', splitSelect), labelled('Traffic', sourceSelect), range.element),
    description,
    summary,
    body,
  );
  let behaviors: BehaviorListing[] | null = null;
  let chart: DrawnChart | null = null;
  let generation = 0;

  async function load(state: ViewState): Promise<void> {
    const mine = ++generation;
    const stale = () => mine !== generation;
    chart?.destroy();
    chart = null;
    body.replaceChildren(message('loading', 'Loading rates…'));
    body.setAttribute('aria-busy', 'true');
    summary.textContent = '';
    try {
      const { from, to } = timeRange(state);
      const step = stepFor(from, to);
      const query = (behavior: string, by: string | undefined) => withQuery('/api/v1/rates', { behavior, from: from.toISOString(), to: to.toISOString(), by, step, source: state.source });
      const split = state.by === '' ? undefined : state.by;
      // A behavior named in the URL is asked for at once, beside the list that says whether it exists.
      const early = state.behavior === '' ? null : Promise.all([getJson<RateAnswer>(query(state.behavior, split)), fingerprintMarkers(from, to, state, (by) => query(state.behavior, by))]);
      early?.catch(() => undefined);
      behaviors ??= await behaviorsOnce();
      if (stale()) return;
      if (behaviorSelect.options.length === 0) {
        for (const b of behaviors) behaviorSelect.append(h('option', { value: b.name }, b.observed ? b.name : `${b.name} (not seen yet)`));
      }
      const name = defaultBehavior(behaviors, state.behavior);
      if (name === undefined) {
        body.replaceChildren(message('empty', 'No behaviors are defined.', 'Declare behaviors in behaviors.yaml or send spans with behavior flags.'));
        return;
      }
      behaviorSelect.value = name;
      const behavior = behaviors.find((b) => b.name === name) as BehaviorListing;
      description.textContent = behavior.description;
      const [answer, markers] = early !== null && name === state.behavior
        ? await early
        : await Promise.all([getJson<RateAnswer>(query(name, split)), fingerprintMarkers(from, to, state, (by) => query(name, by))]);
      if (stale()) return;
      summary.textContent = `${name}, ${utcMinute(from)} to ${utcMinute(to)}: ${rateSentence(answer.total, answer.confidence)}`;
      if (answer.total.calls === 0) {
        body.replaceChildren(
          message(
            'empty',
            `No ${state.source === 'all' ? '' : `${state.source} `}calls were recorded in this time range.`,
            behaviors.some((b) => b.observed)
              ? 'Choose a longer time range or another traffic source.'
              : 'The database is empty. Point an OpenTelemetry exporter (or the behavior-rate instrumentation) at the sidecar’s OTLP receiver (/v1/traces) and calls will appear here within a minute.',
          ),
        );
        return;
      }
      const ranked = [...answer.series].sort((a, b) => seriesCalls(b) - seriesCalls(a));
      const drawn = ranked.slice(0, MAX_GROUPS);
      const { times, lines } = chartLines(drawn);
      body.replaceChildren();
      chart = drawTimeChart(body, {
        title: `${name} rate over time${state.by === '' ? '' : ` by ${SPLIT_LABELS[state.by].toLowerCase()}`}, with ${Math.round(answer.confidence * 100)}% intervals`,
        times,
        xRange: [from.getTime() / 1000, to.getTime() / 1000],
        lines,
        markers,
        markerMeaning: 'fingerprint changes (first call on a new fingerprint)',
        reference: behavior.objective === null ? null : { value: behavior.objective, label: 'objective' },
      });
      chart.element.dataset.by = state.by;
      if (ranked.length > MAX_GROUPS) {
        body.append(h('p', { class: 'muted' }, `The ${MAX_GROUPS} busiest of ${ranked.length} groups are drawn; the others: ${ranked.slice(MAX_GROUPS).map((s) => `${s.group || '(none)'} (${seriesCalls(s)} calls)`).join(', ')}.`));
      }
      if (markers.length > 0) {
        body.append(h('h3', {}, 'Fingerprint changes'), h('ul', { class: 'markers' }, ...markers.map((m) => h('li', {}, `${utcMinute(m.t * 1000)}: first call on ${m.label}`))));
      }
      body.append(dataTable(answer.series, answer.confidence));
    } catch (error) {
      if (stale()) return;
      body.replaceChildren(errorMessage(error));
    } finally {
      if (!stale()) body.setAttribute('aria-busy', 'false');
    }
  }

  return {
    update(state) {
      splitSelect.value = state.by;
      sourceSelect.value = state.source;
      range.sync(state);
      void load(state);
    },
    destroy() {
      generation++;
      chart?.destroy();
    },
  };
}

/** The message for a failed request: what failed and what the sidecar said. */
export function errorMessage(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    if (error.status === 0) return message('error', 'The sidecar is not reachable.', 'Check that `behavior-rate serve` is running, then reload.');
    return message('error', `The sidecar answered ${error.status} for ${error.path.split('?')[0]}.`, error.message);
  }
  return message('error', 'Something went wrong while drawing this page.', String((error as Error)?.message ?? error));
}
