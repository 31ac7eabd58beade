import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertCoverage, durationMinutes, expectedMinutesToFire, recurrence } from '../src/postmortem/recurrence.ts';

const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RULES = `groups:
  - name: slo-wrong_sla
    rules:
      - alert: BurnFast
        expr: |-
          label_replace(
            behavior_rate:ratio:rate1h{behavior="wrong_sla"} > 0.0576
            and behavior_rate:ratio:rate5m{behavior="wrong_sla"} > 0.0576
            and behavior_rate:behavior_calls:increase1h{behavior="wrong_sla"} >= 53,
            "long_window", "1h", "", "")
          or
          label_replace(
            behavior_rate:ratio:rate6h{behavior="wrong_sla"} > 0.024
            and behavior_rate:ratio:rate30m{behavior="wrong_sla"} > 0.024
            and behavior_rate:behavior_calls:increase6h{behavior="wrong_sla"} >= 125,
            "long_window", "6h", "", "")
        for: 2m
        labels: { severity: page, behavior: wrong_sla }
  - name: detectors
    rules:
      - record: behavior_rate:ratio:rate5m
        expr: sum(x)
      - alert: Shift
        expr: behavior_rate_shift_alarm{behavior=~"wrong_sla|truncated"} == 1
      - alert: ShiftOthers
        expr: behavior_rate_shift_alarm{behavior!~"wrong_sla|truncated"} == 1
`;

describe('recurrence and monitoring', () => {
  const file = join(dir, 'rules.yml');
  writeFileSync(file, RULES);

  it('reads which alerts cover a behavior, with the burn-rate clauses and their numbers', () => {
    expect(alertCoverage('wrong_sla', [file])).toEqual({
      file,
      alerts: ['BurnFast', 'Shift'],
      burnClauses: [
        { alert: 'BurnFast', severity: 'page', longMinutes: 60, shortMinutes: 5, threshold: 0.0576, minCalls: 53, forMinutes: 2 },
        { alert: 'BurnFast', severity: 'page', longMinutes: 360, shortMinutes: 30, threshold: 0.024, minCalls: 125, forMinutes: 2 },
      ],
    });
    expect(alertCoverage('refusal', [file])).toEqual({ file, alerts: ['ShiftOthers'], burnClauses: [] });
    expect(alertCoverage('wrong_sla', [join(dir, 'absent.yml')])).toEqual({ file: null, alerts: [], burnClauses: [] });
    expect(durationMinutes('1h30m')).toBe(90);
  });

  it('expected time to fire: the long window crosses the threshold, then for: passes; never below it or without the minimum calls', () => {
    const clause = { alert: 'A', severity: 'page', longMinutes: 360, shortMinutes: 30, threshold: 0.024, minCalls: 125, forMinutes: 2 };
    // From 0.4% to 5%: 360 · (0.024 − 0.004) / (0.05 − 0.004) = 156.5 → 157 minutes, + 2.
    expect(expectedMinutesToFire(clause, 0.05, 0.004, 10)).toBe(159);
    expect(expectedMinutesToFire(clause, 0.02, 0.004, 10)).toBeNull();
    expect(expectedMinutesToFire(clause, 0.05, 0.004, 0.3)).toBeNull();
  });

  it('says in words what recurrence needs and when the first alert fires', () => {
    const result = recurrence({
      behavior: 'wrong_sla',
      replay: { hits: 5, calls: 100, upper: 0.1 },
      production: { hits: 3, calls: 600, rate: 0.005 },
      baselineRate: 0.004,
      callsPerMinute: 10,
      objective: 0.004,
      coverage: alertCoverage('wrong_sla', [file]),
    });
    expect(result.rateSource).toBe('replay estimate');
    expect(result.expectedPerDay).toBeCloseTo(0.05 * 10 * 1440, 6);
    expect(result.detection.map((d) => d.minutes)).toEqual([null, 159]);
    expect(result.text.join(' ')).toContain('the first burn-rate alert is expected after about 159 minutes');
    expect(result.text.join(' ')).toContain('Shift also applies');
    const uncovered = recurrence({ behavior: 'refusal', replay: { hits: 0, calls: 100, upper: 0.0295 }, production: { hits: 0, calls: 0, rate: null }, baselineRate: null, callsPerMinute: 0, objective: null, coverage: { file: null, alerts: [], burnClauses: [] } });
    expect(uncovered.rateSource).toBe('replay upper bound');
    expect(uncovered.text.join(' ')).toContain('no alert covers refusal');
  });
});
