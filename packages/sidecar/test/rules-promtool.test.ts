import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { buildRules, type PrometheusRule } from '../src/rules/build.ts';
import { renderRules } from '../src/rules/render.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const EXAMPLE = loadBehaviorConfig(join(ROOT, 'behaviors.yaml'), true);

/** Runs a binary and returns its combined output and exit status, never throwing. */
function run(command: string, args: string[], cwd: string): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, output: `${failed.stdout}${failed.stderr}` };
  }
}

describe('the generated files pass the real Prometheus and Alertmanager tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-promtool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rules = buildRules(EXAMPLE.behaviors);
  writeFileSync(join(dir, 'rules.yml'), renderRules(rules, 'behaviors.yaml'));
  const alert = (name: string, behavior?: string): PrometheusRule =>
    rules.groups.flatMap((g) => g.rules).find((r) => r.alert === name && (behavior === undefined || r.labels?.behavior === behavior))!;

  it('promtool check rules: the generated rules and the committed deploy/prometheus/rules.yml', () => {
    const generated = run('promtool', ['check', 'rules', join(dir, 'rules.yml')], dir);
    expect(generated.output).toMatch(/SUCCESS: 48 rules found/);
    expect(generated.status).toBe(0);
    expect(run('promtool', ['check', 'rules', 'deploy/prometheus/rules.yml'], ROOT).status).toBe(0);
    // And a broken file does fail, so the check means something.
    writeFileSync(join(dir, 'broken.yml'), stringify({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(' }] }] }));
    expect(run('promtool', ['check', 'rules', join(dir, 'broken.yml')], dir).status).not.toBe(0);
  });

  it('promtool check config and amtool check-config on deploy/', () => {
    expect(run('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml'], ROOT).status).toBe(0);
    const am = run('amtool', ['check-config', 'deploy/alertmanager/alertmanager.yml'], ROOT);
    expect(am.output).toMatch(/SUCCESS/);
    expect(am.output).toMatch(/3 receivers/);
    expect(am.status).toBe(0);
  });

  it('promtool test rules: burn rates page on a real shift, not on one bad call in a quiet hour, not at the objective', () => {
    const page = alert('BehaviorRateBudgetBurnFast', 'wrong_sla');
    // The 1h branch of the page rule without its traffic gate.
    const ungated = page.expr.split('\nor\n')[0]!.replace(/\n\s*and behavior_rate:behavior_calls:increase1h\{behavior="wrong_sla"\} >= 53/, '');
    expect(ungated).not.toBe(page.expr.split('\nor\n')[0]);
    const calls = (perMinute: string) => ({ series: 'behavior_rate_calls_total{service="s",model="m",fingerprint="f"}', values: perMinute });
    const hits = (perMinute: string) => ({ series: 'behavior_rate_behavior_hits_total{behavior="wrong_sla",service="s",model="m",fingerprint="f"}', values: perMinute });
    const rate = (window: string, value: number) => ({ labels: `behavior_rate:ratio:rate${window}{behavior="wrong_sla",long_window="${window}"}`, value });
    const tests = {
      rule_files: [join(dir, 'rules.yml')],
      evaluation_interval: '1m',
      tests: [
        // 100 calls a minute, 10% wrong: both page rules fire at the 10% rate.
        { interval: '1m', input_series: [calls('0+100x120'), hits('0+10x120')], promql_expr_test: [{ expr: page.expr, eval_time: '90m', exp_samples: [rate('1h', 0.1), rate('6h', 0.1)] }] },
        // Two sidecar replicas on one ClickHouse export the same totals: counted once.
        {
          interval: '1m',
          input_series: ['a', 'b'].flatMap((instance) => [
            { series: `behavior_rate_calls_total{instance="${instance}",service="s",model="m",fingerprint="f"}`, values: '0+100x120' },
            { series: `behavior_rate_behavior_hits_total{instance="${instance}",behavior="wrong_sla",service="s",model="m",fingerprint="f"}`, values: '0+10x120' },
          ]),
          promql_expr_test: [
            { expr: 'behavior_rate:behavior_calls:increase1h', eval_time: '90m', exp_samples: [{ labels: 'behavior_rate:behavior_calls:increase1h{behavior="wrong_sla"}', value: 6000 }] },
            { expr: 'behavior_rate:hits:increase1h', eval_time: '90m', exp_samples: [{ labels: 'behavior_rate:hits:increase1h{behavior="wrong_sla"}', value: 600 }] },
          ],
        },
        // At 0.3%, under the 0.4% objective: nothing.
        { interval: '1m', input_series: [calls('0+1000x120'), hits('0+3x120')], promql_expr_test: [{ expr: page.expr, eval_time: '90m', exp_samples: [] }] },
        // 12 calls an hour and one wrong answer (8%): the traffic gate holds the page; without it, it would fire.
        {
          interval: '1m',
          input_series: [calls('0+0.2x120'), hits('0x59 1x60')],
          promql_expr_test: [
            { expr: page.expr, eval_time: '62m', exp_samples: [] },
            // Rounded to basis points: the 1/12 computed from extrapolated increases is not bit-exact.
            { expr: `round(10000 * (${ungated}))`, eval_time: '62m', exp_samples: [{ labels: '{behavior="wrong_sla",long_window="1h"}', value: 833 }] },
          ],
        },
        // The shift alert carries the rate since the change point as its value.
        {
          interval: '1m',
          input_series: [
            { series: 'behavior_rate_shift_alarm{behavior="wrong_sla"}', values: '0x10 1x10' },
            { series: 'behavior_rate_shift_rate{behavior="wrong_sla"}', values: '0.01x20' },
          ],
          promql_expr_test: [
            { expr: alert('BehaviorRateShift').expr, eval_time: '5m', exp_samples: [] },
            { expr: alert('BehaviorRateShift').expr, eval_time: '15m', exp_samples: [{ labels: '{behavior="wrong_sla"}', value: 0.01 }] },
          ],
        },
        // A new fingerprint for a model that had another: one notice, then quiet once it is the norm.
        {
          interval: '1m',
          input_series: [
            { series: 'behavior_rate_fingerprint_info{model="m",fingerprint="fp_a"}', values: '1x90 _x90' },
            { series: 'behavior_rate_fingerprint_info{model="m",fingerprint="fp_b"}', values: '_x90 1x90' },
          ],
          alert_rule_test: [
            { eval_time: '80m', alertname: 'BehaviorRateFingerprintChanged', exp_alerts: [] },
            {
              eval_time: '100m',
              alertname: 'BehaviorRateFingerprintChanged',
              exp_alerts: [{
                exp_labels: { severity: 'notice', model: 'm', fingerprint: 'fp_b' },
                exp_annotations: Object.fromEntries(Object.entries(alert('BehaviorRateFingerprintChanged').annotations!).map(([k, v]) => [k, v.replace('{{ $labels.model }}', 'm').replace('{{ $labels.fingerprint }}', 'fp_b')])),
              }],
            },
            { eval_time: '170m', alertname: 'BehaviorRateFingerprintChanged', exp_alerts: [] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yml'), stringify(tests));
    const result = run('promtool', ['test', 'rules', join(dir, 'tests.yml')], dir);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});
