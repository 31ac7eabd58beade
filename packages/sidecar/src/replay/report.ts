import { clopperPearsonUpper, rate, type BehaviorRate } from '@behavior-rate/stats';
import type { Store } from '../store/store.ts';
import { normaliseOutput } from './normalise.ts';
import { replayVerdict, type Verdict } from './verdict.ts';

/** A group of identical (after normalising) outputs. */
export interface OutputGroup {
  label: string;
  count: number;
  share: number;
  /** Behaviors the outputs of this group showed (union). */
  behaviors: string[];
}

/** Replays grouped by the exact set of behaviors they showed ([] = none). */
export interface BehaviorSetGroup {
  behaviors: string[];
  count: number;
}

export interface BehaviorRateRow extends BehaviorRate {
  behavior: string;
  /** One-sided 95% upper bound (exact). */
  upper: number;
}

/** What a replay run reports. Counts come from the replay spans in the store. */
export interface ReplayReport {
  runId: string;
  replayOf: string;
  requested: number;
  /** Replays that got an answer (the denominator of every rate below). */
  completed: number;
  failed: number;
  failures: Record<string, number>;
  retries: number;
  wallMs: number;
  /** Replays counted by the runner whose span is not in the store (should be 0). */
  spansMissing: number;
  missingFields: string[];
  histogram: OutputGroup[];
  behaviorSets: BehaviorSetGroup[];
  behaviorRates: BehaviorRateRow[];
  reportedBehavior: string | null;
  reported: BehaviorRateRow | null;
  fingerprints: { fingerprint: string; count: number }[];
  incidentFingerprint: string | null;
  verdict: Verdict | null;
}

/** The run's bookkeeping that the spans do not carry. */
export interface ReplayRunMeta {
  runId: string;
  replayOf: string;
  requested: number;
  completed: number;
  failed: number;
  failures: Record<string, number>;
  retries: number;
  wallMs: number;
  missingFields: string[];
}

/** Context from the incident that the verdict compares against. */
export interface ReplayReportContext {
  /** The behavior the report is about; null lists rates without a verdict. */
  behavior: string | null;
  /** Behaviors to always list (declared ones), besides those observed. */
  knownBehaviors: readonly string[];
  incidentBehaviors: readonly string[] | null;
  incidentFingerprint: string | null;
  production: BehaviorRate | null;
}

interface ReplayRow {
  status: string;
  fingerprint: string;
  output_messages: string;
  output_text: string;
  behaviors: string[];
}

/** The replay spans of a run, as stored. */
export async function replayRows(store: Store, runId: string): Promise<ReplayRow[]> {
  return store.query<ReplayRow>(
    'replay report',
    `SELECT status, fingerprint, output_messages, output_text, behaviors FROM genai_calls WHERE replay_run_id = {runId:String} ORDER BY timestamp`,
    { runId },
  );
}

/**
 * The report of a replay run: output histogram, behavior sets, each behavior's rate
 * with its Wilson interval and exact one-sided bound, fingerprints, and the verdict.
 * Failed replays (span status Error) are counted apart and excluded from every rate.
 */
export function buildReplayReport(meta: ReplayRunMeta, rows: readonly ReplayRow[], ctx: ReplayReportContext): ReplayReport {
  const answered = rows.filter((row) => row.status !== 'Error');
  const n = answered.length;
  const groups = new Map<string, OutputGroup>();
  const sets = new Map<string, BehaviorSetGroup>();
  const hits = new Map<string, number>();
  const fingerprints = new Map<string, number>();
  for (const row of answered) {
    const output = normaliseOutput(row.output_messages, row.output_text);
    const group = groups.get(output.key) ?? { label: output.label, count: 0, share: 0, behaviors: [] };
    group.count += 1;
    group.behaviors = [...new Set([...group.behaviors, ...row.behaviors])].sort();
    groups.set(output.key, group);
    const setKey = [...row.behaviors].sort().join(',');
    const set = sets.get(setKey) ?? { behaviors: [...row.behaviors].sort(), count: 0 };
    set.count += 1;
    sets.set(setKey, set);
    for (const behavior of row.behaviors) hits.set(behavior, (hits.get(behavior) ?? 0) + 1);
    fingerprints.set(row.fingerprint, (fingerprints.get(row.fingerprint) ?? 0) + 1);
  }
  const names = new Set([...ctx.knownBehaviors, ...hits.keys(), ...(ctx.behavior === null ? [] : [ctx.behavior])]);
  // 'error' is about the call failing, which failed replays are excluded for; listing it would always read 0.
  names.delete('error');
  const behaviorRates = [...names]
    .map((behavior) => {
      const k = hits.get(behavior) ?? 0;
      return { behavior, ...rate(k, n), upper: clopperPearsonUpper(k, n, 0.95) };
    })
    .sort((a, b) => (a.behavior === ctx.behavior ? -1 : b.behavior === ctx.behavior ? 1 : b.hits - a.hits || a.behavior.localeCompare(b.behavior)));
  const reported = ctx.behavior === null ? null : (behaviorRates.find((r) => r.behavior === ctx.behavior) ?? null);
  const fingerprintList = [...fingerprints].map(([fingerprint, count]) => ({ fingerprint, count })).sort((a, b) => b.count - a.count);
  const verdict =
    reported === null || ctx.behavior === null
      ? null
      : replayVerdict({
          behavior: ctx.behavior,
          replays: reported,
          failed: meta.failed,
          incidentShowed: ctx.incidentBehaviors === null ? null : ctx.incidentBehaviors.includes(ctx.behavior),
          production: ctx.production,
          incidentFingerprint: ctx.incidentFingerprint,
          replayFingerprints: fingerprintList.map((f) => f.fingerprint).filter((f) => f !== ''),
        });
  return {
    runId: meta.runId,
    replayOf: meta.replayOf,
    requested: meta.requested,
    completed: n,
    failed: meta.failed,
    failures: meta.failures,
    retries: meta.retries,
    wallMs: meta.wallMs,
    spansMissing: Math.max(0, meta.completed + meta.failed - rows.length),
    missingFields: meta.missingFields,
    histogram: [...groups.values()].map((g) => ({ ...g, share: n === 0 ? 0 : g.count / n })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    behaviorSets: [...sets.values()].sort((a, b) => b.count - a.count),
    behaviorRates,
    reportedBehavior: ctx.behavior,
    reported,
    fingerprints: fingerprintList,
    incidentFingerprint: ctx.incidentFingerprint,
    verdict,
  };
}
