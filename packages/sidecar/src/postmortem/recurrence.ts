import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** One multiwindow clause of a burn-rate alert, as the rules file states it. */
export interface BurnClause {
  alert: string;
  severity: string;
  longMinutes: number;
  shortMinutes: number;
  /** Both windows' rate must exceed this. */
  threshold: number;
  /** Calls the long window must hold before the clause may fire. */
  minCalls: number;
  /** The rule's `for:` in minutes. */
  forMinutes: number;
}

/** Which alert rules apply to the behavior, as the rules file shows them. */
export interface AlertCoverage {
  /** The rules file read, or null when none was found. */
  file: string | null;
  /** Names of the alerts that apply to the behavior. */
  alerts: string[];
  /** The burn-rate clauses among them, with their numbers. */
  burnClauses: BurnClause[];
}

/** The Prometheus alert rules: $BEHAVIOR_RATE_ALERT_RULES, default deploy/prometheus/rules.yml in the working directory. */
export const ALERT_RULE_FILES = [process.env.BEHAVIOR_RATE_ALERT_RULES ?? 'deploy/prometheus/rules.yml'];

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10080 };

/** Prometheus durations such as 5m, 1h, 3d, 1h30m, in minutes. */
export function durationMinutes(text: string): number {
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) total += match[2] === 's' ? Number(match[1]) / 60 : Number(match[1]) * UNIT_MINUTES[match[2]!]!;
  return total;
}

function matchesMatcher(behavior: string, expr: string): boolean {
  if (new RegExp(`behavior\\s*=\\s*"${behavior}"`).test(expr)) return true;
  for (const match of expr.matchAll(/behavior\s*(=~|!~)\s*"([^"]*)"/g)) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${match[2]})$`);
    } catch {
      continue;
    }
    if ((match[1] === '=~') === re.test(behavior)) return true;
  }
  return false;
}

interface RuleEntry {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
}

/**
 * Reads the Prometheus rules file and lists the alerts that apply to `behavior`: rules
 * labelled with it, and rules whose `behavior` matcher (=, =~, !~) selects it. Burn-rate
 * clauses (`ratio:rate<long> > t and ratio:rate<short> > t and behavior_calls:increase<long> >= m`)
 * are read with their numbers, for the time-to-detect estimate.
 */
export function alertCoverage(behavior: string, files: readonly string[] = ALERT_RULE_FILES): AlertCoverage {
  for (const file of files) {
    if (!existsSync(file)) continue;
    let document: unknown;
    try {
      document = parse(readFileSync(file, 'utf8'));
    } catch {
      return { file, alerts: [], burnClauses: [] };
    }
    const groups = (document as { groups?: { rules?: RuleEntry[] }[] } | null)?.groups ?? [];
    const alerts: string[] = [];
    const burnClauses: BurnClause[] = [];
    for (const group of groups) {
      for (const rule of group.rules ?? []) {
        if (rule.alert === undefined) continue;
        const expr = String(rule.expr ?? '');
        if (rule.labels?.behavior !== behavior && !matchesMatcher(behavior, expr)) continue;
        alerts.push(rule.alert);
        const clause = /ratio:rate(\w+)\{[^}]*\}\s*>\s*([\d.eE+-]+)\s*and\s*\S*ratio:rate(\w+)\{[^}]*\}\s*>\s*[\d.eE+-]+\s*and\s*\S*behavior_calls:increase\w+\{[^}]*\}\s*>=\s*(\d+)/g;
        for (const match of expr.matchAll(clause)) {
          burnClauses.push({
            alert: rule.alert,
            severity: rule.labels?.severity ?? '',
            longMinutes: durationMinutes(match[1]!),
            shortMinutes: durationMinutes(match[3]!),
            threshold: Number(match[2]),
            minCalls: Number(match[4]),
            forMinutes: durationMinutes(rule.for ?? '0m'),
          });
        }
      }
    }
    return { file, alerts: [...new Set(alerts)], burnClauses };
  }
  return { file: null, alerts: [], burnClauses: [] };
}

/**
 * Expected minutes until a burn-rate clause fires after the rate steps from `baseline`
 * to `rate` at `callsPerMinute`: the long window's mean crosses the threshold after
 * L·(threshold − baseline)/(rate − baseline) minutes (the short window, shorter, crosses
 * first), then the rule's `for:` must pass. Never, when the rate does not exceed the
 * threshold or the long window cannot hold the minimum calls at this traffic.
 */
export function expectedMinutesToFire(clause: BurnClause, rate: number, baseline: number, callsPerMinute: number): number | null {
  if (!(rate > clause.threshold)) return null;
  if (callsPerMinute * clause.longMinutes < clause.minCalls) return null;
  const cross = baseline >= clause.threshold ? 1 : Math.max(1, Math.ceil((clause.longMinutes * (clause.threshold - baseline)) / (rate - baseline)));
  return cross + clause.forMinutes;
}

/** One burn-rate clause's expected time to fire at the estimated rate. */
export interface DetectionEstimate {
  rule: string;
  severity: string;
  /** The window rate the clause needs. */
  thresholdRate: number;
  /** Minutes from the rate stepping up to the alert; null when it never fires at that rate and traffic. */
  minutes: number | null;
  /** Why it never fires, when it does not. */
  never: string | null;
}

/** What the recurrence section is made of. */
export interface Recurrence {
  /** The rate recurrence is judged at: the replay estimate, its bound, or production's. */
  rate: number | null;
  rateSource: 'replay estimate' | 'replay upper bound' | 'production window' | 'none';
  callsPerMinute: number;
  expectedPerDay: number | null;
  objective: number | null;
  coverage: AlertCoverage;
  detection: DetectionEstimate[];
  text: string[];
}

export interface RecurrenceInput {
  behavior: string;
  /** Replay counts (hits of completed), when replays ran. */
  replay: { hits: number; calls: number; upper: number } | null;
  production: { hits: number; calls: number; rate: number | null };
  baselineRate: number | null;
  /** Live calls per minute in the window. */
  callsPerMinute: number;
  objective: number | null;
  coverage: AlertCoverage;
}

const windowText = (minutes: number): string => (minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);
const pct = (value: number): string => `${(value * 100).toFixed(value < 0.01 ? 2 : 1)}%`;

/** The recurrence and monitoring section: what recurrence needs, and whether and when an alert would fire. */
export function recurrence(input: RecurrenceInput): Recurrence {
  let rate: number | null = null;
  let rateSource: Recurrence['rateSource'] = 'none';
  if (input.replay !== null && input.replay.calls > 0) {
    if (input.replay.hits > 0) {
      rate = input.replay.hits / input.replay.calls;
      rateSource = 'replay estimate';
    } else {
      rate = input.replay.upper;
      rateSource = 'replay upper bound';
    }
  } else if (input.production.rate !== null) {
    rate = input.production.rate;
    rateSource = 'production window';
  }
  const expectedPerDay = rate === null ? null : rate * input.callsPerMinute * 1440;
  const text: string[] = [];
  if (rate === null) {
    text.push(`There is no rate to judge recurrence by: no replay completed and no live calls were recorded in the window.`);
  } else if (rateSource === 'replay estimate') {
    text.push(`Nothing has to change for it to recur: this input produces ${input.behavior} at ${pct(rate)}. At ${input.callsPerMinute.toFixed(1)} live calls per minute, inputs like this one would show it about ${expectedPerDay!.toFixed(1)} times a day.`);
  } else if (rateSource === 'replay upper bound') {
    text.push(`To recur on this input, the rate only has to be what the replays allow (below ${pct(rate)}), or a condition that differed at the incident (backend, context, inputs we do not control) has to return. At most about ${expectedPerDay!.toFixed(1)} occurrences a day at ${input.callsPerMinute.toFixed(1)} calls per minute.`);
  } else {
    text.push(`Production showed ${input.production.hits} of ${input.production.calls} calls in the window (${pct(rate)}); at ${input.callsPerMinute.toFixed(1)} calls per minute that is about ${expectedPerDay!.toFixed(1)} a day.`);
  }
  const detection: DetectionEstimate[] = [];
  const { coverage } = input;
  if (coverage.file === null) {
    text.push(`No alert rules file was found (${ALERT_RULE_FILES.join(', ')}): no alert covers ${input.behavior}.`);
  } else if (coverage.alerts.length === 0) {
    text.push(`No rule in ${coverage.file} applies to ${input.behavior}: no alert covers it${input.objective === null ? ' (it has no objective in behaviors.yaml, so no burn-rate rule is generated for it)' : ''}.`);
  } else {
    text.push(`Alerts in ${coverage.file} that cover ${input.behavior}${input.objective === null ? '' : ` (objective ${pct(input.objective)})`}: ${coverage.alerts.join(', ')}.`);
    for (const clause of coverage.burnClauses) {
      const name = `${clause.alert} (${clause.severity || 'no severity'}) ${windowText(clause.longMinutes)}/${windowText(clause.shortMinutes)}`;
      const minutes = rate === null ? null : expectedMinutesToFire(clause, rate, input.baselineRate ?? 0, input.callsPerMinute);
      const never =
        minutes !== null ? null
        : rate === null ? 'no rate estimate'
        : rate <= clause.threshold ? `the rate ${pct(rate)} is below the threshold`
        : `at ${input.callsPerMinute.toFixed(1)} calls per minute the ${windowText(clause.longMinutes)} window holds fewer than ${clause.minCalls} calls`;
      detection.push({ rule: name, severity: clause.severity, thresholdRate: clause.threshold, minutes, never });
    }
    const firing = detection.filter((d) => d.minutes !== null).sort((a, b) => a.minutes! - b.minutes!);
    if (rate !== null && detection.length > 0) {
      text.push(
        firing.length === 0
          ? `At ${pct(rate)} and ${input.callsPerMinute.toFixed(1)} calls per minute no burn-rate alert fires; the lowest threshold is ${pct(Math.min(...detection.map((d) => d.thresholdRate)))}.`
          : `At ${pct(rate)} and ${input.callsPerMinute.toFixed(1)} calls per minute the first burn-rate alert is expected after about ${firing[0]!.minutes} minutes (${firing[0]!.rule}), counting the rule's \`for:\`.`,
      );
    }
    const others = coverage.alerts.filter((alert) => !coverage.burnClauses.some((c) => c.alert === alert));
    if (others.length > 0) text.push(`${others.join(', ')} also ${others.length === 1 ? 'applies; its' : 'apply; their'} delay depends on thresholds calibrated at run time and is not computed here.`);
  }
  return { rate, rateSource, callsPerMinute: input.callsPerMinute, expectedPerDay, objective: input.objective, coverage: input.coverage, detection, text };
}
