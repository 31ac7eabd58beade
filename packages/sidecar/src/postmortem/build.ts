import type { BehaviorConfig, BehaviorDefinition } from '../behaviors/config.ts';
import { BUILTIN_BEHAVIORS } from '../behaviors/config.ts';
import { productionRates, type ProductionRates } from '../investigation/behavior-rates.ts';
import { canaryDrift, type CanaryDriftSummary } from '../investigation/canary-drift.ts';
import { fingerprintTimeline, type FingerprintTimeline } from '../investigation/fingerprints.ts';
import { findIncidentCall, traceSpans, type IncidentCall, type TraceSpan } from '../investigation/incident-call.ts';
import { recentProviderSnapshot, snapshotOfCall, type ProviderSnapshot } from '../investigation/provider-snapshot.ts';
import { uncontrolledInputChanges, type UncontrolledInputChange } from '../investigation/uncontrolled-inputs.ts';
import { incidentWindow, type IncidentWindow } from '../investigation/window.ts';
import type { ReplayReport } from '../replay/report.ts';
import type { Store } from '../store/store.ts';
import { changesAnyway, type ChangeItem } from './changes.ts';
import { alertCoverage, recurrence, type AlertCoverage, type Recurrence } from './recurrence.ts';
import { summary } from './summary.ts';
import { couldNotDetermine, type Unknown } from './unknowns.ts';

/** What a postmortem is made of: every number, before any rendering. */
export interface Postmortem {
  incidentId: string;
  generatedAt: string;
  behavior: string;
  definition: BehaviorDefinition | null;
  call: IncidentCall;
  trace: TraceSpan[];
  window: IncidentWindow;
  production: ProductionRates;
  replay: ReplayReport | null;
  replayNote: string | null;
  then: ProviderSnapshot;
  now: ProviderSnapshot;
  fingerprints: FingerprintTimeline;
  inputs: UncontrolledInputChange[];
  drift: CanaryDriftSummary;
  unknowns: Unknown[];
  changes: ChangeItem[];
  recurrence: Recurrence;
  summary: string[];
}

export interface PostmortemRequest {
  incidentId: string;
  traceId: string;
  spanId?: string;
  behavior: string;
  windowMinutes: number;
  baselineMinutes: number;
  replay: ReplayReport | null;
  replayNote: string | null;
  behaviors: BehaviorConfig;
  /** Alert coverage; default: read from the rules files in the working directory. */
  coverage?: AlertCoverage;
}

/** Runs the investigation queries for one incident and assembles the postmortem. */
export async function buildPostmortem(store: Store, request: PostmortemRequest): Promise<Postmortem> {
  const call = await findIncidentCall(store, { traceId: request.traceId, ...(request.spanId === undefined || request.spanId === '' ? {} : { spanId: request.spanId }), behavior: request.behavior });
  const window = incidentWindow(call.timestampMs, request.windowMinutes, request.baselineMinutes);
  const range = { from: window.before.from, to: window.during.to };
  const [trace, production, fingerprints, inputs, now, drift] = await Promise.all([
    traceSpans(store, call.traceId),
    productionRates(store, request.behavior, window),
    fingerprintTimeline(store, range, call.service),
    uncontrolledInputChanges(store, call, window),
    recentProviderSnapshot(store, call),
    canaryDrift(store, window.before, window.during),
  ]);
  const definition = request.behaviors.behaviors.find((b) => b.name === request.behavior) ?? BUILTIN_BEHAVIORS.find((b) => b.name === request.behavior) ?? null;
  const windowMinutes = (window.during.to.getTime() - window.during.from.getTime()) / 60_000;
  const reported = request.replay?.reported ?? null;
  const recur = recurrence({
    behavior: request.behavior,
    replay: reported === null ? null : { hits: reported.hits, calls: reported.calls, upper: reported.upper },
    production: production.during,
    baselineRate: production.before.rate,
    callsPerMinute: production.during.calls / windowMinutes,
    objective: definition?.objective ?? null,
    coverage: request.coverage ?? alertCoverage(request.behavior),
  });
  const unknowns = couldNotDetermine({ call, replay: request.replay, replayNote: request.replayNote, production, drift, traceId: call.traceId });
  const postmortem: Postmortem = {
    incidentId: request.incidentId,
    generatedAt: new Date().toISOString(),
    behavior: request.behavior,
    definition,
    call,
    trace,
    window,
    production,
    replay: request.replay,
    replayNote: request.replayNote,
    then: snapshotOfCall(call),
    now,
    fingerprints,
    inputs,
    drift,
    unknowns,
    changes: changesAnyway(request.behavior, call.traceId, request.replay?.requested ?? 0),
    recurrence: recur,
    summary: [],
  };
  postmortem.summary = summary(postmortem);
  return postmortem;
}
