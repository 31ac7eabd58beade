import { describe, expect, it } from 'vitest';
import { applyConditionalAll, expandPanelSql, expandServerMacros, grafanaIntervalMs, interpolateVariables } from '../src/macros.ts';

// 2025-11-20 11:00:00Z .. 12:00:00Z
const ctx = { from: new Date(1_763_636_400_000), to: new Date(1_763_640_000_000), intervalMs: 120_000 };

describe('backend macros, as pkg/macros/macros.go writes them', () => {
  it('time filters use whole seconds', () => {
    expect(expandServerMacros('WHERE $__timeFilter(minute)', ctx)).toBe('WHERE minute >= toDateTime(1763636400) AND minute <= toDateTime(1763640000)');
    expect(expandServerMacros('$__timeFilter_ms(ts)', ctx)).toBe('ts >= fromUnixTimestamp64Milli(1763636400000) AND ts <= fromUnixTimestamp64Milli(1763640000000)');
    expect(expandServerMacros('$__fromTime AND $__toTime', ctx)).toBe('toDateTime(1763636400) AND toDateTime(1763640000)');
    expect(expandServerMacros('$__dateFilter(d)', ctx)).toBe("d >= toDate('2025-11-20') AND d <= toDate('2025-11-20')");
  });

  it('interval macros use the query interval, at least one second', () => {
    expect(expandServerMacros('$__timeInterval(minute)', ctx)).toBe('toStartOfInterval(toDateTime(minute), INTERVAL 120 second)');
    expect(expandServerMacros('INTERVAL $__interval_s second', ctx)).toBe('INTERVAL 120 second');
    expect(expandServerMacros('$__interval_s', { ...ctx, intervalMs: 10 })).toBe('1');
    expect(expandServerMacros("$__timeGroup(ts, '5m')", ctx)).toBe('toStartOfInterval(toDateTime(ts), INTERVAL 300 second)');
  });

  it('leaves string literals and comments alone and refuses unknown macros', () => {
    expect(expandServerMacros("SELECT '$__fromTime' -- $__toTime\n", ctx)).toBe("SELECT '$__fromTime' -- $__toTime\n");
    expect(() => expandServerMacros('$__nope(x)', ctx)).toThrow(/unknown macro \$__nope/);
    expect(() => expandServerMacros('$__timeFilter(a, b)', ctx)).toThrow(/expected 1 argument/);
  });
});

describe('browser half, as CHDatasource.applyTemplateVariables does it', () => {
  it('$__conditionalAll drops the condition when All or nothing is selected', () => {
    const sql = 'WHERE $__conditionalAll(service IN (${service:singlequote}), $service) AND x';
    expect(applyConditionalAll(sql, { service: { value: ['$__all'] } })).toBe('WHERE 1=1 AND x');
    expect(applyConditionalAll(sql, { service: { value: [] } })).toBe('WHERE 1=1 AND x');
    expect(applyConditionalAll(sql, { service: { value: ['chat'] } })).toBe('WHERE service IN (${service:singlequote}) AND x');
  });

  it('handles nested parentheses and several macros', () => {
    const sql = '$__conditionalAll(has([${a:singlequote}], f(x)), $a) AND $__conditionalAll(b IN (${b}), ${b})';
    expect(applyConditionalAll(sql, { a: { value: ['p'] }, b: { value: '$__all' } })).toBe('has([${a:singlequote}], f(x)) AND 1=1');
  });

  it('formats variables like the plugin: arrays quoted, single values raw, singlequote escapes', () => {
    const vars = { m: { value: ['a', "b'c"] }, s: { value: 'x' }, all: { value: ['$__all'], options: ['p', 'q'] }, custom: { value: '$__all', allValue: '.*' } };
    expect(interpolateVariables('$m|$s|${m:singlequote}|${s:singlequote}|$all|$custom|$__timeFilter(t)', vars)).toBe(
      "'a','b'c'|x|'a','b\\'c'|'x'|'p','q'|.*|$__timeFilter(t)",
    );
    expect(() => interpolateVariables('${s:nope}', vars)).toThrow(/unsupported variable format/);
  });

  it('expands a panel end to end', () => {
    const sql = 'SELECT 1 WHERE $__timeFilter(m) AND $__conditionalAll(s IN (${s:singlequote}), $s)';
    expect(expandPanelSql(sql, { ...ctx, variables: { s: { value: ['a'] } } })).toBe(
      "SELECT 1 WHERE m >= toDateTime(1763636400) AND m <= toDateTime(1763640000) AND s IN ('a')",
    );
  });
});

describe('interval', () => {
  it('is range over data points rounded up to a nice step, never below the minimum', () => {
    expect(grafanaIntervalMs(24 * 3600_000, 1000, 60_000)).toBe(120_000);
    expect(grafanaIntervalMs(3600_000, 1000, 60_000)).toBe(60_000);
    expect(grafanaIntervalMs(30 * 86_400_000, 1000, 60_000)).toBe(3_600_000);
  });
});
