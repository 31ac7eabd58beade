import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { buildRules, sreWindows, type RuleFile } from '../src/rules/build.ts';
import { promDuration } from '../src/rules/duration.ts';
import { renderRules } from '../src/rules/render.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const EXAMPLE = loadBehaviorConfig(join(ROOT, 'behaviors.yaml'), true);

const alerts = (file: RuleFile) => file.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const records = (file: RuleFile) => file.groups.flatMap((g) => g.rules).flatMap((r) => (r.record === undefined ? [] : [r.record]));

describe('rules build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records every behavior rate over the SRE windows, with intervals on the long ones', () => {
    expect(sreWindows()).toEqual([5, 30, 60, 120, 360, 1440, 4320]);
    const names = records(buildRules(EXAMPLE.behaviors));
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) expect(names).toContain(`behavior_rate:ratio:rate${w}`);
    expect(names.filter((n) => n.startsWith('behavior_rate:ratio_ci_low:'))).toEqual(['behavior_rate:ratio_ci_low:rate1h', 'behavior_rate:ratio_ci_low:rate6h', 'behavior_rate:ratio_ci_low:rate1d', 'behavior_rate:ratio_ci_low:rate3d']);
  });

  it('gives each behavior with an objective a page and a ticket, gated on traffic, and the detector alerts once', () => {
    const list = alerts(buildRules(EXAMPLE.behaviors));
    const burn = list.filter((a) => a.alert!.startsWith('BehaviorRateBudgetBurn')).map((a) => [a.alert, a.labels?.behavior, a.labels?.severity]);
    expect(burn).toEqual([
      ['BehaviorRateBudgetBurnFast', 'malformed_tool_call', 'page'], ['BehaviorRateBudgetBurnSlow', 'malformed_tool_call', 'ticket'],
      ['BehaviorRateBudgetBurnFast', 'truncated', 'page'], ['BehaviorRateBudgetBurnSlow', 'truncated', 'ticket'],
      ['BehaviorRateBudgetBurnFast', 'wrong_sla', 'page'], ['BehaviorRateBudgetBurnSlow', 'wrong_sla', 'ticket'],
    ]);
    const wrongSlaPage = list.find((a) => a.alert === 'BehaviorRateBudgetBurnFast' && a.labels?.behavior === 'wrong_sla')!;
    // 14.4 × 0.4% and 6 × 0.4%; gates of ⌈3 / (burn × objective)⌉ calls.
    expect(wrongSlaPage.expr).toContain('behavior_rate:ratio:rate1h{behavior="wrong_sla"} > 0.0576');
    expect(wrongSlaPage.expr).toContain('behavior_rate:behavior_calls:increase1h{behavior="wrong_sla"} >= 53');
    expect(wrongSlaPage.expr).toContain('behavior_rate:ratio:rate30m{behavior="wrong_sla"} > 0.024');
    expect(wrongSlaPage.expr).toContain('behavior_rate:behavior_calls:increase6h{behavior="wrong_sla"} >= 125');
    expect(wrongSlaPage.annotations?.runbook).toContain('behavior-rate rates --behavior wrong_sla');
    expect(wrongSlaPage.annotations?.runbook).toContain('behavior-rate postmortem --trace');
    expect(list.map((a) => a.alert).filter((n) => !n!.startsWith('BehaviorRateBudgetBurn'))).toEqual([
      'BehaviorRateShift', 'BehaviorRateShiftFromTrailing', 'BehaviorRateShiftByFingerprint', 'BehaviorRateCanaryDrift', 'BehaviorRateFingerprintChanged', 'BehaviorRateCountersStale',
    ]);
  });

  it('scales windows and waits for tests only, keeping the nominal record names', () => {
    const scaled = buildRules(EXAMPLE.behaviors, { windowScale: 1 / 60 });
    const rule = scaled.groups[0]!.rules.find((r) => r.record === 'behavior_rate:calls:increase1h')!;
    expect(rule.expr).toBe('sum(max by (service, model, fingerprint) (increase(behavior_rate_calls_total[1m])))');
    expect(alerts(scaled).find((a) => a.alert === 'BehaviorRateBudgetBurnFast')!.for).toBe('2s');
    expect(renderRules(scaled, 'x', 1 / 60)).toMatch(/TEST ONLY/);
    expect(() => buildRules([], { windowScale: 2 })).toThrow(/windowScale/);
    expect(() => buildRules([], { minHits: 0 })).toThrow(/minHits/);
    expect([300, 5400, 86_400, 2.5, 0.25].map(promDuration)).toEqual(['5m', '1h30m', '1d', '2s500ms', '250ms']);
  });

  it('without objectives still records rates and watches shifts against the trailing rate', () => {
    const file = buildRules([{ name: 'off_topic', description: '' }]);
    expect(alerts(file).map((a) => a.alert)).toEqual(['BehaviorRateShiftFromTrailing', 'BehaviorRateShiftByFingerprint', 'BehaviorRateCanaryDrift', 'BehaviorRateFingerprintChanged', 'BehaviorRateCountersStale']);
    expect(alerts(file)[0]!.expr).toBe(
      'max by (behavior, fingerprint) (behavior_rate_shift_rate{fingerprint=""}) and on(behavior, fingerprint) (max by (behavior, fingerprint) (behavior_rate_shift_alarm{fingerprint=""}) == 1)',
    );
  });

  it('is deterministic, and the committed deploy/prometheus/rules.yml is what the example behaviors build to', () => {
    const text = renderRules(buildRules(EXAMPLE.behaviors), 'behaviors.yaml');
    expect(renderRules(buildRules(EXAMPLE.behaviors), 'behaviors.yaml')).toBe(text);
    expect(readFileSync(join(ROOT, 'deploy/prometheus/rules.yml'), 'utf8')).toBe(text);
  });

  it('`behavior-rate rules build` writes the file, and refuses bad input with a message', () => {
    const out = join(dir, 'rules.yml');
    const cli = (args: string[]) => execFileSync(process.execPath, [join(ROOT, 'packages/sidecar/bin/behavior-rate.js'), 'rules', ...args], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    expect(cli(['build', '--out', out])).toMatch(/^wrote .*rules\.yml: 12 alerts, burn-rate rules for wrong_sla, malformed_tool_call, truncated/);
    expect(parse(readFileSync(out, 'utf8'))).toEqual(buildRules(EXAMPLE.behaviors));
    const fail = (args: string[]) => {
      try {
        cli(args);
        return '';
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
    };
    expect(fail(['build', '--window-scale', '3'])).toMatch(/--window-scale: expected a number in \(0, 1\]/);
    expect(fail(['build', '--behaviors', join(dir, 'missing.yaml')])).toMatch(/missing\.yaml: file not found/);
    expect(fail(['deploy'])).toMatch(/unknown subcommand "deploy"/);
  });
});
