import type { Store } from '../../../sidecar/src/store/store.ts';
import type { PanelQuery } from './panel-queries.ts';

export interface Column {
  name: string;
  type: string;
}

export interface QueryResult {
  columns: Column[];
  rows: Record<string, unknown>[];
}

/** Runs expanded SQL on the engine: result column names and types (DESCRIBE) and rows. */
export async function runSql(store: Store, sql: string): Promise<QueryResult> {
  const columns = (await store.query<Column>('dashboards test describe', `DESCRIBE (${sql})`)).map(({ name, type }) => ({ name, type }));
  const rows = await store.query<Record<string, unknown>>('dashboards test', sql);
  return { columns, rows };
}

const isNumeric = (type: string): boolean => /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/.test(type);
const isTime = (type: string): boolean => /^(Nullable\()?DateTime/.test(type);
const isText = (type: string): boolean => /^(Nullable\()?(LowCardinality\()?String/.test(type);

/**
 * What each kind of panel needs from its result, as Grafana will read it; returns the
 * problems found (empty when the result fits the panel).
 */
export function shapeProblems(query: PanelQuery, result: QueryResult): string[] {
  const problems: string[] = [];
  const names = result.columns.map((c) => c.name);
  for (const ref of query.fieldRefs) {
    if (!names.includes(ref)) problems.push(`override references column "${ref}", result has ${names.join(', ')}`);
  }
  if (query.kind === 'variable' && result.columns.length !== 1) problems.push(`variable query must return one column, got ${names.join(', ')}`);
  if (query.kind === 'annotation') {
    const time = result.columns.find((c) => c.name === 'time');
    if (time === undefined || !isTime(time.type)) problems.push('annotation needs a DateTime column "time"');
    if (!result.columns.some((c) => c.name === 'text' && isText(c.type))) problems.push('annotation needs a String column "text"');
  }
  if (query.kind === 'panel' && query.panelType === 'timeseries') {
    if (query.format !== 0) problems.push('time series panel must use format 0 (time series)');
    const [first, ...rest] = result.columns;
    if (first?.name !== 'time' || !isTime(first.type)) problems.push(`first column must be DateTime "time", got ${first?.name}:${first?.type}`);
    if (!rest.some((c) => isNumeric(c.type))) problems.push('time series needs at least one numeric column');
    const bad = rest.find((c) => !isNumeric(c.type) && !isText(c.type));
    if (bad !== undefined) problems.push(`column ${bad.name} (${bad.type}) is neither a value nor a label`);
    const times = result.rows.map((row) => String(row.time));
    if (times.some((t, i) => i > 0 && t < (times[i - 1] as string))) problems.push('rows must be ordered by time');
  }
  if (query.kind === 'panel' && query.panelType === 'stat') {
    if (result.columns.length !== 1 || !isNumeric(result.columns[0]?.type ?? '')) problems.push('stat needs exactly one numeric column');
  }
  return problems;
}

/** `2026-11-20 11:00:00` (UTC, as the engine prints DateTime) → Date. */
export const parseTime = (value: unknown): Date => new Date(`${String(value).replace(' ', 'T')}Z`);
