import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BehaviorConfigError, loadBehaviorConfig } from '../behaviors/config.ts';
import { buildRules } from '../rules/build.ts';
import { renderRules } from '../rules/render.ts';
import { CommandError, integerOption, parseOptions, UsageError, type Command } from './command.ts';

/** Parses a positive decimal option such as 0.1 or 1/60. */
function fractionOption(name: string, value: string | undefined, fallback: number, low: number, high: number): number {
  if (value === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(value);
  const n = match === null ? Number.NaN : Number(match[1]) / Number(match[2] ?? 1);
  if (!(n > low && n <= high)) throw new UsageError(`--${name}: expected a number in (${low}, ${high}] such as ${fallback} or 1/60, got ${JSON.stringify(value)}`);
  return n;
}

export const rulesCommand: Command = {
  name: 'rules',
  summary: 'generate Prometheus alerting and recording rules from behaviors.yaml',
  usage: `behavior-rate rules build [options]

  Writes recording rules over the SRE windows, multiwindow multi-burn-rate page and
  ticket alerts (with a minimum-traffic gate) for every behavior with an objective,
  and the shift-detector, canary-drift and fingerprint-change alerts.

  --behaviors FILE        behaviors file (default ./behaviors.yaml)
  --out FILE              output (default deploy/prometheus/rules.yml; "-" for stdout)
  --min-hits N            bad calls a burn-rate alert needs at least (default 3)
  --drift-threshold X     canary drift score that alerts (default 0.2, the drift query's threshold)
  --runbook-url URL       runbook base link (default docs/alerting.md)
  --window-scale F        TEST ONLY: scale every window, e.g. 1/60 (default 1)`,
  async run(argv) {
    const [subcommand, ...rest] = argv;
    if (subcommand !== 'build') throw new UsageError(subcommand === undefined ? 'expected a subcommand: build' : `unknown subcommand "${subcommand}" (expected: build)`);
    const { values } = parseOptions(rest, {
      behaviors: { type: 'string', default: 'behaviors.yaml' },
      out: { type: 'string', default: 'deploy/prometheus/rules.yml' },
      'min-hits': { type: 'string' },
      'drift-threshold': { type: 'string' },
      'runbook-url': { type: 'string' },
      'window-scale': { type: 'string' },
    });
    let config;
    try {
      config = loadBehaviorConfig(values.behaviors, true);
    } catch (error) {
      if (error instanceof BehaviorConfigError) throw new CommandError(error.message);
      throw error;
    }
    const windowScale = fractionOption('window-scale', values['window-scale'], 1, 0, 1);
    const rules = buildRules(config.behaviors, {
      windowScale,
      minHits: integerOption('min-hits', values['min-hits'], 3, 1, 1_000_000),
      ...(values['drift-threshold'] === undefined ? {} : { driftThreshold: fractionOption('drift-threshold', values['drift-threshold'], 0.2, 0, 0.999999) }),
      ...(values['runbook-url'] === undefined ? {} : { runbookUrl: values['runbook-url'] }),
    });
    const text = renderRules(rules, values.behaviors, windowScale);
    if (values.out === '-') {
      process.stdout.write(text);
      return;
    }
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, text);
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined).length;
    const withObjective = config.behaviors.filter((b) => b.objective !== undefined).map((b) => b.name);
    console.log(`wrote ${values.out}: ${alerts} alerts, burn-rate rules for ${withObjective.length === 0 ? 'no behavior (none has an objective)' : withObjective.join(', ')}`);
  },
};
