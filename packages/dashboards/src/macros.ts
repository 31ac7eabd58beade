/**
 * Expands a panel's SQL the way Grafana and the ClickHouse plugin do before the SQL
 * reaches ClickHouse, so tests can run the very text a dashboard would send.
 *
 * Order, as in the plugin: in the browser `applyTemplateVariables` first resolves
 * `$__conditionalAll(cond, $var)` and then template variables (src/data/CHDatasource.ts);
 * the backend then expands `$__` macros with the query's time range and interval
 * (pkg/macros/macros.go). Alert rules run only the backend half: they have no
 * template variables.
 */

/** A template variable's current selection. */
export interface TemplateVariable {
  /** Selected value(s); `'$__all'` (or `['$__all']`) when All is selected. */
  value: string | string[];
  /** Every option, used when All is selected and no `allValue` is set. */
  options?: string[];
  /** Custom All value, inserted verbatim (Grafana does not format it). */
  allValue?: string;
}

export interface MacroContext {
  from: Date;
  to: Date;
  /** The query interval Grafana computed for the panel, ms. */
  intervalMs: number;
  /** Dashboard variables by name. Default none. */
  variables?: Readonly<Record<string, TemplateVariable>>;
}

const ALL = '$__all';

/** Top-level comma-separated arguments of the call whose `(` is at `open`, as the plugin splits them. */
function macroArgs(sql: string, open: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
    if (depth === 0) {
      args.push(sql.slice(start, i));
      return { args, end: i + 1 };
    }
  }
  return undefined;
}

/**
 * `$__conditionalAll(condition, $var)`: the condition, or `1=1` when `$var` has All
 * (or nothing) selected. Innermost-last, like the plugin, which scans from the end.
 */
export function applyConditionalAll(sql: string, variables: Readonly<Record<string, TemplateVariable>> = {}): string {
  const macro = '$__conditionalAll(';
  let out = sql;
  let at = out.lastIndexOf(macro);
  while (at !== -1) {
    const call = macroArgs(out, at + macro.length - 1);
    if (call === undefined || call.args.length !== 2) return out;
    const [condition, reference] = call.args as [string, string];
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(reference.trim())?.[0];
    const selected = name === undefined ? undefined : variables[name];
    const value = selected === undefined ? undefined : String(selected.value);
    const phrase = value === '' || value === ALL ? '1=1' : condition;
    out = out.slice(0, at) + phrase + out.slice(call.end);
    at = out.lastIndexOf(macro);
  }
  return out;
}

/** Grafana's variable syntaxes: `$name`, `[[name:fmt]]`, `${name:fmt}`. */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

const singleQuote = (v: string): string => `'${v.replace(/'/g, "\\'")}'`;

/** Grafana's built-in formats that SQL panels use; others are refused so a typo fails a test. */
const FORMATS: Record<string, (values: string[], isArray: boolean) => string> = {
  singlequote: (values) => values.map(singleQuote).join(','),
  doublequote: (values) => values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(','),
  sqlstring: (values) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(','),
  csv: (values) => values.join(','),
  raw: (values) => values.join(','),
};

/** The plugin's own format function: arrays become `'a','b'`, a single value goes in raw. */
const pluginFormat = (values: string[], isArray: boolean): string => (isArray ? `'${values.join("','")}'` : values.join(''));

/** Replaces template variables; names that are not variables (`$__timeFilter`, …) are left for the backend. */
export function interpolateVariables(sql: string, variables: Readonly<Record<string, TemplateVariable>> = {}): string {
  return sql.replace(VARIABLE, (match, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, bracedFormat?: string) => {
    const name = plain ?? bracket ?? braced ?? '';
    const variable = variables[name];
    if (variable === undefined) return match;
    const formatName = bracketFormat ?? bracedFormat;
    const all = String(variable.value) === ALL;
    if (all && variable.allValue !== undefined) return variable.allValue;
    const selected = all ? (variable.options ?? []) : variable.value;
    const isArray = Array.isArray(selected) || all;
    const values = Array.isArray(selected) ? selected : [selected];
    if (formatName === undefined) return pluginFormat(values, isArray);
    const format = FORMATS[formatName];
    if (format === undefined) throw new Error(`unsupported variable format "${formatName}" in ${match}`);
    return format(values, isArray);
  });
}

const toDateTime = (d: Date): string => `toDateTime(${Math.floor(d.getTime() / 1000)})`;
const toDateTime64 = (d: Date): string => `fromUnixTimestamp64Milli(${d.getTime()})`;
const toDate = (d: Date): string => `toDate('${d.toISOString().slice(0, 10)}')`;

type ServerMacro = (ctx: MacroContext, args: string[]) => string;

function arity(name: string, args: string[], want: number): void {
  if (args.length !== want) throw new Error(`$__${name} expected ${want} argument(s), received ${args.length}`);
}

const intervalSeconds = (ctx: MacroContext): number => Math.trunc(Math.max(ctx.intervalMs / 1000, 1));

/** Parses a Go duration such as `5m`, `1h30m`, `90s`. */
function goDurationSeconds(text: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600 };
  let total = 0;
  const parts = text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  let consumed = '';
  for (const [whole, amount, unit] of parts) {
    consumed += whole;
    total += unit === 'ms' ? Number(amount) / 1000 : Number(amount) * (units[unit as string] ?? 0);
  }
  if (consumed !== text || total <= 0) throw new Error(`$__timeGroup: invalid interval "${text}"`);
  return Math.round(total);
}

/** The backend macros of pkg/macros/macros.go, same output text. */
const SERVER_MACROS: Record<string, ServerMacro> = {
  fromTime: (ctx) => toDateTime(ctx.from),
  toTime: (ctx) => toDateTime(ctx.to),
  fromTime_ms: (ctx) => toDateTime64(ctx.from),
  toTime_ms: (ctx) => toDateTime64(ctx.to),
  timeFilter: (ctx, args) => {
    arity('timeFilter', args, 1);
    return `${args[0]} >= ${toDateTime(ctx.from)} AND ${args[0]} <= ${toDateTime(ctx.to)}`;
  },
  timeFilter_ms: (ctx, args) => {
    arity('timeFilter_ms', args, 1);
    return `${args[0]} >= ${toDateTime64(ctx.from)} AND ${args[0]} <= ${toDateTime64(ctx.to)}`;
  },
  dateFilter: (ctx, args) => {
    arity('dateFilter', args, 1);
    return `${args[0]} >= ${toDate(ctx.from)} AND ${args[0]} <= ${toDate(ctx.to)}`;
  },
  timeFrom: (ctx, args) => {
    arity('timeFrom', args, 1);
    return `${args[0]} >= ${toDateTime(ctx.from)}`;
  },
  timeTo: (ctx, args) => {
    arity('timeTo', args, 1);
    return `${args[0]} <= ${toDateTime(ctx.to)}`;
  },
  timeInterval: (ctx, args) => {
    arity('timeInterval', args, 1);
    return `toStartOfInterval(toDateTime(${args[0]}), INTERVAL ${intervalSeconds(ctx)} second)`;
  },
  timeInterval_ms: (ctx, args) => {
    arity('timeInterval_ms', args, 1);
    return `toStartOfInterval(toDateTime64(${args[0]}, 3), INTERVAL ${Math.trunc(Math.max(ctx.intervalMs, 1))} millisecond)`;
  },
  interval_s: (ctx) => String(intervalSeconds(ctx)),
  timeGroup: (_ctx, args) => {
    arity('timeGroup', args, 2);
    const seconds = goDurationSeconds((args[1] as string).trim().replace(/^['"]|['"]$/g, ''));
    return `toStartOfInterval(toDateTime(${(args[0] as string).trim()}), INTERVAL ${seconds} second)`;
  },
};

/** Length of a quoted string or comment starting at `i`, or 0; macros inside them are not expanded. */
function skipLiteral(sql: string, i: number): number {
  const ch = sql[i];
  if (ch === "'" || ch === '`') {
    let j = i + 1;
    while (j < sql.length && sql[j] !== ch) j += sql[j] === '\\' ? 2 : 1;
    return j + 1 - i;
  }
  if (ch === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return (end === -1 ? sql.length : end) - i;
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return (end === -1 ? sql.length : end + 2) - i;
  }
  return 0;
}

/**
 * Expands the backend's `$__` macros. An unknown macro is an error here (the plugin
 * would pass it through and ClickHouse would reject the query), so tests say which.
 */
export function expandServerMacros(sql: string, ctx: MacroContext): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const literal = skipLiteral(sql, i);
    if (literal > 0) {
      out += sql.slice(i, i + literal);
      i += literal;
      continue;
    }
    if (!sql.startsWith('$__', i)) {
      out += sql[i];
      i++;
      continue;
    }
    const name = /^\$__(\w+)/.exec(sql.slice(i))?.[1] ?? '';
    const macro = SERVER_MACROS[name];
    if (macro === undefined) throw new Error(`unknown macro $__${name}`);
    let end = i + 3 + name.length;
    let args: string[] = [];
    if (sql[end] === '(') {
      const call = macroArgs(sql, end);
      if (call === undefined) throw new Error(`unclosed $__${name}(`);
      args = call.args.map((arg) => arg.trim()).filter((arg, index, all) => !(all.length === 1 && arg === ''));
      end = call.end;
    }
    out += macro(ctx, args);
    i = end;
  }
  return out;
}

/** Browser half then backend half: the SQL ClickHouse receives for a dashboard panel. */
export function expandPanelSql(sql: string, ctx: MacroContext): string {
  const variables = ctx.variables ?? {};
  const resolved = interpolateVariables(applyConditionalAll(sql, variables), variables);
  return expandServerMacros(resolved, ctx);
}

/** Nice intervals Grafana rounds to, ms. */
const NICE_INTERVALS_MS = [1, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000, 2_592_000_000];

/**
 * The interval Grafana gives a panel: range ÷ max data points, rounded to a nice
 * interval, no finer than the panel's minimum interval. An approximation of Grafana's
 * `rangeutil.calculateInterval` (its rounding table differs in detail); the panel SQL
 * must be right for any interval, so tests do not depend on the exact choice.
 */
export function grafanaIntervalMs(rangeMs: number, maxDataPoints: number, minIntervalMs: number): number {
  const raw = rangeMs / Math.max(1, maxDataPoints);
  const nice = NICE_INTERVALS_MS.find((step) => step >= raw) ?? (NICE_INTERVALS_MS.at(-1) as number);
  return Math.max(nice, minIntervalMs);
}
