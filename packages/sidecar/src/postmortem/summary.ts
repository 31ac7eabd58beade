import { percent } from '../cli/format.ts';
import type { Postmortem } from './build.ts';

/** The summary: what happened, the rate, what changed, in a few plain sentences. */
export function summary(pm: Postmortem): string[] {
  const { call, production, replay } = pm;
  const lines: string[] = [];
  const when = new Date(call.timestampMs).toISOString();
  lines.push(
    `At ${when} a ${call.operation || 'GenAI'} call of ${call.service} to ${call.requestModel || 'an unnamed model'} (trace ${call.traceId}) ${
      call.behaviors.includes(pm.behavior) ? `showed ${pm.behavior}` : `was reported for ${pm.behavior}`
    }${pm.definition?.description ? `: ${pm.definition.description}` : '.'}`,
  );
  if (replay?.verdict) lines.push(replay.verdict.text);
  else if (replay !== null) lines.push(`${replay.completed} of ${replay.requested} replays completed; no verdict was computed.`);
  else lines.push(`No replay ran: ${pm.replayNote ?? 'none was requested'}.`);
  const { before, during, comparison } = production;
  if (during.calls === 0) lines.push('No live calls were recorded in the incident window, so there is no production rate for it.');
  else {
    const change =
      comparison === null ? 'there is no baseline to compare with'
      : comparison.pValue < 0.05 ? `${comparison.diff > 0 ? 'higher' : 'lower'} than the ${before.hits} of ${before.calls} (${percent(before.rate)}) before it (p = ${comparison.pValue < 0.001 ? '< 0.001' : comparison.pValue.toFixed(3)})`
      : `not significantly different from the ${before.hits} of ${before.calls} (${percent(before.rate)}) before it (p = ${comparison.pValue.toFixed(2)})`;
    lines.push(`In production, ${during.hits} of ${during.calls} live calls in the window showed ${pm.behavior} (${percent(during.rate)}, 95% CI ${percent(during.ci_low)}–${percent(during.ci_high)}), ${change}.`);
  }
  const changed = pm.inputs.filter((i) => i.changed).map((i) => i.label);
  const fp = pm.fingerprints.changes.map((c) => `${c.fingerprint} from ${c.at}`);
  lines.push(
    `${fp.length === 0 ? 'No new fingerprint appeared in the window' : `New fingerprints: ${fp.join(', ')}`}; ${changed.length === 0 ? 'no captured uncontrolled input changed' : `changed inputs: ${changed.join(', ')}`}; ${pm.unknowns.length} things could not be determined (listed below).`,
  );
  return lines;
}
