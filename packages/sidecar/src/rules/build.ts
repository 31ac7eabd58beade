import { SRE_BURN_RATE_RULES, type BurnRateRule } from '@behavior-rate/stats';
import type { BehaviorDefinition } from '../behaviors/config.ts';
import { DRIFT_DEFAULTS } from '../drift/query.ts';
import { promDuration, windowName } from './duration.ts';

/** Options of {@link buildRules}; every field has a default. */
export interface RulesOptions {
  /**
   * Multiplies every window, offset and `for` duration. Default 1. Only for tests and
   * demos that need an hour to pass in a minute (e.g. 1/60); never in production.
   */
  windowScale?: number;
  /**
   * Minimum-traffic gate: a burn-rate alert needs enough calls in its long window that
   * firing takes at least this many bad calls (calls ≥ minHits ÷ (burn rate × objective)).
   * Default 3: a single bad call in a quiet hour never pages.
   */
  minHits?: number;
  /** Canary drift score (0–1) at or above which the drift alert fires. Default `DRIFT_DEFAULTS.threshold` (0.2), the drift query's own calibrated threshold. */
  driftThreshold?: number;
  /** How the on-call engineer reaches the runbook. Default `docs/alerting.md` in this repository. */
  runbookUrl?: string;
}

/** One Prometheus recording or alerting rule. */
export interface PrometheusRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rules file: `groups` of rules, as `promtool check rules` reads it. */
export interface RuleFile {
  groups: { name: string; rules: PrometheusRule[] }[];
}

/** Every window the SRE rules read, in minutes: the short and long windows of the four rules. */
export function sreWindows(rules: readonly BurnRateRule[] = SRE_BURN_RATE_RULES): number[] {
  return [...new Set(rules.flatMap((r) => [r.shortMinutes, r.longMinutes]))].sort((a, b) => a - b);
}

/** z for a 95% two-sided interval, and the Wilson constants built from it. */
const Z = 1.959964;
const Z2 = Z * Z;

/** Recording rule names; the window in the name is nominal even when `windowScale` shrinks it. */
export const RECORDS = {
  calls: (w: string) => `behavior_rate:calls:increase${w}`,
  hits: (w: string) => `behavior_rate:hits:increase${w}`,
  behaviorCalls: (w: string) => `behavior_rate:behavior_calls:increase${w}`,
  ratio: (w: string) => `behavior_rate:ratio:rate${w}`,
  ciLow: (w: string) => `behavior_rate:ratio_ci_low:rate${w}`,
  ciHigh: (w: string) => `behavior_rate:ratio_ci_high:rate${w}`,
};

/** Long windows get Wilson interval records, so every paged rate arrives with its interval. */
function recordingRules(windows: number[], longWindows: Set<number>, scale: number): PrometheusRule[] {
  const rules: PrometheusRule[] = [];
  for (const minutes of windows) {
    const w = windowName(minutes);
    const range = promDuration(minutes * 60 * scale);
    rules.push(
      // Every sidecar on one ClickHouse exports the same totals: `max by` the exported labels
      // counts them once however many replicas Prometheus scrapes.
      { record: RECORDS.calls(w), expr: `sum(max by (service, model, fingerprint) (increase(behavior_rate_calls_total[${range}])))` },
      { record: RECORDS.hits(w), expr: `sum by (behavior) (max by (behavior, service, model, fingerprint) (increase(behavior_rate_behavior_hits_total[${range}])))` },
      // Calls repeated under every behavior label, so hits and calls divide without matching modifiers.
      { record: RECORDS.behaviorCalls(w), expr: `${RECORDS.hits(w)} * 0 + on() group_left() ${RECORDS.calls(w)}` },
      // No calls gives NaN, which compares false: an empty window never fires.
      { record: RECORDS.ratio(w), expr: `${RECORDS.hits(w)} / ${RECORDS.behaviorCalls(w)}` },
    );
    if (longWindows.has(minutes)) {
      const x = RECORDS.hits(w);
      const n = RECORDS.behaviorCalls(w);
      const centre = `(${x} + ${(Z2 / 2).toFixed(6)})`;
      const half = `${Z} * sqrt(clamp_min(${x} * (${n} - ${x}) / ${n}, 0) + ${(Z2 / 4).toFixed(6)})`;
      const denominator = `(${n} + ${Z2.toFixed(6)})`;
      rules.push(
        { record: RECORDS.ciLow(w), expr: `clamp_min((${centre} - ${half}) / ${denominator}, 0)` },
        { record: RECORDS.ciHigh(w), expr: `clamp_max((${centre} + ${half}) / ${denominator}, 1)` },
      );
    }
  }
  return rules;
}

/**
 * Go-template snippet printing a recorded series of this alert's behavior over the
 * window that fired (`long_window` label), e.g. its interval bounds or call count.
 */
function recordedOverFiringWindow(prefix: string, format: string): string {
  return `{{ with printf "${prefix}%s{behavior='%s'}" $labels.long_window $labels.behavior | query }}{{ . | first | value | ${format} }}{{ else }}n/a{{ end }}`;
}

function investigation(behavior: string, since: string): string {
  return `behavior-rate rates --behavior ${behavior} --since ${since} --by fingerprint  (then --by model, --by index_version, --by tool_schema_hash); for one bad call: behavior-rate postmortem --trace <trace_id> --behavior ${behavior}`;
}

/** Decimal text of a number without float noise (0.0576, not 0.057600000000000005). */
const num = (value: number) => String(Number(value.toPrecision(12)));

function burnRateAlert(behavior: BehaviorDefinition & { objective: number }, severity: BurnRateRule['severity'], options: Required<Omit<RulesOptions, 'runbookUrl'>> & { runbookUrl: string }): PrometheusRule {
  const rules = SRE_BURN_RATE_RULES.filter((r) => r.severity === severity);
  const selector = `{behavior="${behavior.name}"}`;
  const branches = rules.map((rule) => {
    const long = windowName(rule.longMinutes);
    const short = windowName(rule.shortMinutes);
    const limit = num(rule.burnRate * behavior.objective);
    const gate = Math.ceil(options.minHits / (rule.burnRate * behavior.objective));
    // The long window's rate is the alert's value; label_replace names the window that fired.
    return `label_replace(
  ${RECORDS.ratio(long)}${selector} > ${limit}
  and ${RECORDS.ratio(short)}${selector} > ${limit}
  and ${RECORDS.behaviorCalls(long)}${selector} >= ${gate},
  "long_window", "${long}", "", "")`;
  });
  const longest = windowName(Math.max(...rules.map((r) => r.longMinutes)));
  return {
    alert: severity === 'page' ? 'BehaviorRateBudgetBurnFast' : 'BehaviorRateBudgetBurnSlow',
    expr: branches.join('\nor\n'),
    // Page rules fire after 2 minutes of agreement, tickets after 15 (scaled with the windows).
    for: promDuration((severity === 'page' ? 120 : 900) * options.windowScale),
    labels: { severity, behavior: behavior.name, objective: num(behavior.objective), slo_budget_window: '30d' },
    annotations: {
      summary: `${behavior.name}: rate {{ $value | humanizePercentage }} over {{ $labels.long_window }} burns the ${num(behavior.objective * 100)}% objective's 30-day budget ${severity === 'page' ? 'fast' : 'steadily'}`,
      description:
        `${behavior.description || behavior.name} Rate {{ $value | humanizePercentage }} over the last {{ $labels.long_window }} ` +
        `(95% CI ${recordedOverFiringWindow('behavior_rate:ratio_ci_low:rate', 'humanizePercentage')} – ${recordedOverFiringWindow('behavior_rate:ratio_ci_high:rate', 'humanizePercentage')}, ` +
        `${recordedOverFiringWindow('behavior_rate:behavior_calls:increase', 'printf "%.0f"')} calls); ` +
        `objective ${num(behavior.objective * 100)}%; fires when both windows exceed ${rules.map((r) => `${r.burnRate}× the objective over ${windowName(r.longMinutes)} & ${windowName(r.shortMinutes)}`).join(', or ')}, ` +
        `with at least ${options.minHits} bad calls in the long window.`,
      runbook: investigation(behavior.name, longest),
      runbook_url: `${options.runbookUrl}#${severity === 'page' ? 'budget-burn-fast' : 'budget-burn-slow'}`,
    },
  };
}

/** The shift detector alerts read the sidecar's gauges; the threshold is calibrated there. */
function shiftAlerts(withObjective: string[], runbookUrl: string): PrometheusRule[] {
  const objectiveMatcher = withObjective.length === 0 ? null : `behavior=~"${withObjective.join('|')}"`;
  // `max by` drops instance labels, so sidecar replicas (which compute the same detectors) page once.
  const alarm = (matchers: string) =>
    `max by (behavior, fingerprint) (behavior_rate_shift_rate{${matchers}}) and on(behavior, fingerprint) (max by (behavior, fingerprint) (behavior_rate_shift_alarm{${matchers}}) == 1)`;
  const annotations = (scope: string) => ({
    summary: `${scope}{{ $labels.behavior }} shifted up: rate {{ $value | humanizePercentage }} since the estimated change point, baseline {{ with printf "behavior_rate_shift_baseline_rate{behavior='%s',fingerprint='%s'}" $labels.behavior $labels.fingerprint | query }}{{ . | first | value | humanizePercentage }}{{ end }}`,
    description:
      'The Bernoulli CUSUM statistic reached its threshold (calibrated for at most one false page per 30 days) and stays in alarm until the evidence is used up. ' +
      'GET /api/v1/shift?behavior={{ $labels.behavior }} gives the change point, hits and calls since it, and the interval.',
    runbook: `behavior-rate rates --behavior {{ $labels.behavior }} --since 6h --by fingerprint  (then --by model, --by index_version); for one bad call: behavior-rate postmortem --trace <trace_id> --behavior {{ $labels.behavior }}`,
    runbook_url: `${runbookUrl}#shift`,
  });
  const rules: PrometheusRule[] = [];
  if (objectiveMatcher !== null) {
    rules.push({ alert: 'BehaviorRateShift', expr: alarm(`fingerprint="",${objectiveMatcher}`), labels: { severity: 'page', detector: 'cusum' }, annotations: annotations('') });
  }
  rules.push(
    {
      alert: 'BehaviorRateShiftFromTrailing',
      expr: alarm(objectiveMatcher === null ? 'fingerprint=""' : `fingerprint="",behavior!~"${withObjective.join('|')}"`),
      labels: { severity: 'ticket', detector: 'cusum', baseline: 'trailing_7d' },
      annotations: annotations(''),
    },
    {
      alert: 'BehaviorRateShiftByFingerprint',
      expr: alarm('fingerprint!=""'),
      labels: { severity: 'ticket', detector: 'cusum' },
      annotations: annotations('fingerprint {{ $labels.fingerprint }}: '),
    },
  );
  return rules;
}

function driftAndFingerprintAlerts(options: { windowScale: number; driftThreshold: number; runbookUrl: string }): PrometheusRule[] {
  const d = (seconds: number) => promDuration(seconds * options.windowScale);
  // What was current during the hour before the last hour: a change stays noticed for an hour.
  const before = `max by (model, fingerprint) (max_over_time(behavior_rate_fingerprint_info[${d(3600)}] offset ${d(3600)}))`;
  return [
    {
      alert: 'BehaviorRateCanaryDrift',
      expr: `max by (model) (behavior_rate_canary_drift_score) >= ${num(options.driftThreshold)}`,
      // The score already covers a 10-minute window; five more minutes of agreement rule out one odd run.
      for: d(300),
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Canary answers drifted: drift score {{ $value | printf "%.3f" }} (threshold ' + num(options.driftThreshold) + ') while nothing of ours changed',
        description: 'The held-out canary set answers differently from its baseline (Jensen–Shannon distance per case, combined). Check for a provider-side fingerprint change first.',
        runbook: 'behavior-rate drift --since 6h; behavior-rate rates --behavior <behavior> --since 6h --by fingerprint',
        runbook_url: `${options.runbookUrl}#canary-drift`,
      },
    },
    {
      alert: 'BehaviorRateFingerprintChanged',
      // A fingerprint now current that was not current an hour earlier, for a model that had one then.
      expr: `(max by (model, fingerprint) (behavior_rate_fingerprint_info) unless on(model, fingerprint) ${before}) and on(model) ${before}`,
      labels: { severity: 'notice' },
      annotations: {
        summary: '{{ $labels.model }} is now served by fingerprint {{ $labels.fingerprint }}',
        description: 'The provider changed the backend configuration behind this model. Rates measured before and after are of different systems: compare them before trusting a trend.',
        runbook: 'behavior-rate rates --behavior <behavior> --since 1d --by fingerprint',
        runbook_url: `${options.runbookUrl}#fingerprint-change`,
      },
    },
    {
      alert: 'BehaviorRateCountersStale',
      // The counters lag by up to a minute plus the refresh time by design, so even a scaled test never goes under 3 minutes.
      expr: `time() - max(behavior_rate_counted_until_timestamp_seconds) > ${Math.max(180, Math.round(600 * options.windowScale))}`,
      for: d(300),
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'behavior-rate counters stopped advancing: rates and burn-rate alerts are blind',
        description: 'The sidecar cannot read fresh per-minute counts from ClickHouse, or the ingest pipeline stalled.',
        runbook: 'curl -s $BEHAVIOR_RATE_URL/readyz; behavior-rate rates --behavior error --since 30m',
        runbook_url: `${options.runbookUrl}#counters-stale`,
      },
    },
  ];
}

/**
 * The Prometheus rules for a behaviors configuration: recording rules for every
 * behavior's rate over the SRE windows (with Wilson intervals on the long ones);
 * per behavior with an objective, multiwindow multi-burn-rate page and ticket
 * alerts with a minimum-traffic gate; the shift-detector, canary-drift,
 * fingerprint-change and stale-counter alerts. Deterministic: the same input gives
 * the same file.
 */
export function buildRules(behaviors: readonly BehaviorDefinition[], options: RulesOptions = {}): RuleFile {
  const settings = {
    windowScale: options.windowScale ?? 1,
    minHits: options.minHits ?? 3,
    driftThreshold: options.driftThreshold ?? DRIFT_DEFAULTS.threshold,
    runbookUrl: options.runbookUrl ?? 'docs/alerting.md',
  };
  if (!(settings.windowScale > 0 && settings.windowScale <= 1)) throw new RangeError(`windowScale: expected a factor in (0, 1], got ${String(settings.windowScale)}`);
  if (!Number.isInteger(settings.minHits) || settings.minHits < 1) throw new RangeError(`minHits: expected a positive integer, got ${String(settings.minHits)}`);
  if (!(settings.driftThreshold > 0 && settings.driftThreshold < 1)) throw new RangeError(`driftThreshold: expected a score in (0, 1), got ${String(settings.driftThreshold)}`);
  const withObjective = behaviors.filter((b): b is BehaviorDefinition & { objective: number } => b.objective !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  const longWindows = new Set(SRE_BURN_RATE_RULES.map((r) => r.longMinutes));
  return {
    groups: [
      { name: 'behavior-rate-recording', rules: recordingRules(sreWindows(), longWindows, settings.windowScale) },
      ...withObjective.map((behavior) => ({
        name: `behavior-rate-slo-${behavior.name}`,
        rules: [burnRateAlert(behavior, 'page', settings), burnRateAlert(behavior, 'ticket', settings)],
      })),
      {
        name: 'behavior-rate-detectors',
        rules: [...shiftAlerts(withObjective.map((b) => b.name), settings.runbookUrl), ...driftAndFingerprintAlerts(settings)],
      },
    ],
  };
}
