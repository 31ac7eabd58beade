/**
 * The view's state lives in the URL query so a view can be shared: page, behavior,
 * split, range (a preset or explicit from/to) and source. Unknown values fall back
 * to defaults rather than failing, because links outlive releases.
 */

export const PAGES = ['rates', 'drift', 'incidents'] as const;
export type Page = (typeof PAGES)[number];

/** Splits offered on the Rates page; '' is no split. Mirrors the rates API `by`. */
export const SPLITS = ['', 'fingerprint', 'model', 'service', 'traffic_class', 'index_version', 'tool_schema_hash'] as const;
export type Split = (typeof SPLITS)[number];

/** Relative ranges, in milliseconds. */
export const RANGE_PRESETS = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 } as const;
export type RangePreset = keyof typeof RANGE_PRESETS;

export const SOURCES = ['live', 'canary', 'replay', 'all'] as const;
export type Source = (typeof SOURCES)[number];

export interface ViewState {
  page: Page;
  /** '' until chosen: the page picks a default behavior. */
  behavior: string;
  by: Split;
  /** A preset, or 'custom' with from/to. Default '24h'. */
  range: RangePreset | 'custom';
  from: string;
  to: string;
  source: Source;
  /** Incidents page: the trace under investigation. */
  trace: string;
  /** Incidents page: an incident already opened. */
  incident: string;
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Reads the state from a query string (`location.search`). */
export function parseState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const from = q.get('from') ?? '';
  const to = q.get('to') ?? '';
  const custom = !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to)) && Date.parse(to) > Date.parse(from);
  const presets = Object.keys(RANGE_PRESETS) as RangePreset[];
  return {
    page: oneOf(q.get('page'), PAGES, 'rates'),
    behavior: q.get('behavior') ?? '',
    by: oneOf(q.get('by'), SPLITS, ''),
    range: custom && q.get('range') === null ? 'custom' : oneOf(q.get('range'), presets, '24h'),
    from: custom ? from : '',
    to: custom ? to : '',
    source: oneOf(q.get('source'), SOURCES, 'live'),
    trace: /^[0-9a-fA-F]{32}$/.test(q.get('trace') ?? '') ? (q.get('trace') as string) : '',
    incident: q.get('incident') ?? '',
  };
}

/** Writes the state as a query string, leaving defaults out so links stay short. */
export function formatState(state: ViewState): string {
  const q = new URLSearchParams();
  if (state.page !== 'rates') q.set('page', state.page);
  if (state.behavior !== '') q.set('behavior', state.behavior);
  if (state.by !== '') q.set('by', state.by);
  if (state.range === 'custom') {
    q.set('from', state.from);
    q.set('to', state.to);
  } else if (state.range !== '24h') q.set('range', state.range);
  if (state.source !== 'live') q.set('source', state.source);
  if (state.trace !== '') q.set('trace', state.trace);
  if (state.incident !== '') q.set('incident', state.incident);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

/** The absolute time range a state means now. Presets end at the next whole minute. */
export function timeRange(state: ViewState, now: number = Date.now()): { from: Date; to: Date } {
  if (state.range === 'custom') return { from: new Date(state.from), to: new Date(state.to) };
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - RANGE_PRESETS[state.range]), to: new Date(to) };
}

/**
 * Step for a range: 36–720 points, so each point pools enough calls for a readable
 * interval while a change stays visible to within a few percent of the range.
 */
export function stepFor(from: Date, to: Date): '1m' | '5m' | '1h' {
  const span = to.getTime() - from.getTime();
  if (span <= 3 * 3_600_000) return '1m';
  if (span <= 2 * 86_400_000) return '5m';
  return '1h';
}
