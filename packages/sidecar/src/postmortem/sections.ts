import type { BehaviorRate } from '@behavior-rate/stats';
import { percent } from '../cli/format.ts';
import { INVESTIGATION_DIMENSIONS } from '../investigation/behavior-rates.ts';
import type { ProviderSnapshot } from '../investigation/provider-snapshot.ts';
import type { Postmortem } from './build.ts';

/**
 * The postmortem as a renderer-neutral list of sections: headings, paragraphs, tables and
 * checklists. Markdown and HTML render the same list, so both always carry the same facts.
 */
export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'list'; items: string[] }
  | { kind: 'checklist'; items: string[] }
  | { kind: 'code'; text: string }
  | { kind: 'chart'; chart: 'histogram' | 'rate' };

export interface Section {
  title: string;
  blocks: Block[];
}

/** "k of n (p%, 95% CI a–b)". */
export function rateText(r: BehaviorRate): string {
  if (r.calls === 0) return '0 calls';
  return `${r.hits} of ${r.calls} (${percent(r.rate)}, 95% CI ${percent(r.ci_low)}–${percent(r.ci_high)})`;
}

const NOT_CAPTURED = '*not captured*';
const orNot = (value: string | number | null | undefined): string => (value === null || value === undefined || value === '' ? NOT_CAPTURED : String(value));
const top = (values: { value: string; calls: number }[], total: number): string =>
  values.length === 0 ? NOT_CAPTURED : values.slice(0, 3).map((v) => (total <= 1 ? v.value : `${v.value} (${v.calls})`)).join(', ');
const tokens = (value: number | null): string => (value === null ? NOT_CAPTURED : value.toFixed(value % 1 === 0 ? 0 : 1));

function contentOf(json: string): string {
  if (json === '') return '';
  try {
    const messages = JSON.parse(json) as { role?: string; parts?: { type?: string; content?: unknown; name?: string; arguments?: unknown }[] }[];
    return messages
      .map((m) => `${m.role ?? '?'}: ${(m.parts ?? []).map((p) => (p.type === 'text' || p.type === 'refusal' ? String(p.content) : p.type === 'tool_call' ? `[tool call ${p.name}(${String(p.arguments)})]` : `[${p.type}]`)).join(' ')}`)
      .join('\n');
  } catch {
    return json;
  }
}

function providerTable(pm: Postmortem): Block {
  const replayFps = pm.replay?.fingerprints ?? [];
  const col = (s: ProviderSnapshot) => [
    top(s.fingerprints, s.calls),
    top(s.responseModels, s.calls),
    top(s.finishReasons, s.calls),
    tokens(s.meanInputTokens),
    tokens(s.meanOutputTokens),
    s.cacheReadShare === null ? NOT_CAPTURED : percent(s.cacheReadShare),
  ];
  const then = col(pm.then);
  const now = pm.now.calls === 0 ? Array(6).fill('no live calls') : col(pm.now);
  const fields = ['fingerprint', 'response model', 'finish reason', 'input tokens (mean)', 'output tokens (mean)', 'cache-read share of input'];
  return {
    kind: 'table',
    header: ['', 'at the incident', `now (last ${pm.now.calls} live calls)`, `replays (${pm.replay?.completed ?? 0})`],
    rows: fields.map((field, i) => [field, then[i]!, now[i]!, i === 0 ? (replayFps.length === 0 ? '—' : replayFps.map((f) => `${f.fingerprint || '(none)'} (${f.count})`).join(', ')) : '—']),
  };
}

/** Builds every section of the postmortem from its data. */
export function postmortemSections(pm: Postmortem): Section[] {
  const { call, production, replay } = pm;
  const sections: Section[] = [];
  sections.push({ title: 'Summary', blocks: pm.summary.map((text) => ({ kind: 'p', text })) });

  const saw: Block[] = [
    {
      kind: 'table',
      header: ['field', 'value'],
      rows: [
        ['time', new Date(call.timestampMs).toISOString()],
        ['trace / span', `${call.traceId} / ${call.spanId}`],
        ['service', call.service],
        ['operation / provider', `${orNot(call.operation)} / ${orNot(call.provider)}`],
        ['request model', orNot(call.requestModel)],
        ['temperature / seed', `${orNot(call.temperature)} / ${call.seed === null ? 'not set' : call.seed}`],
        ['status', call.status + (call.errorType === '' ? '' : ` (${call.errorType})`)],
        ['duration', `${call.durationMs.toFixed(0)} ms`],
        ['behaviors flagged', call.behaviors.length === 0 ? 'none' : call.behaviors.join(', ')],
      ],
    },
  ];
  const input = contentOf(call.inputMessages);
  const output = contentOf(call.outputMessages);
  saw.push(input === '' ? { kind: 'p', text: `The prompt was ${NOT_CAPTURED}.` } : { kind: 'code', text: input });
  saw.push(output === '' ? { kind: 'p', text: `The answer was ${NOT_CAPTURED}.` } : { kind: 'code', text: output });
  if (pm.trace.length > 1) {
    saw.push({ kind: 'table', header: ['span', 'service', 'start', 'duration', 'status'], rows: pm.trace.map((s) => [s.name, s.service, new Date(s.startMs).toISOString(), `${s.durationMs.toFixed(0)} ms`, s.status]) });
  }
  sections.push({ title: 'What the user saw', blocks: saw });

  const rates: Block[] = [];
  if (replay === null) rates.push({ kind: 'p', text: `No replay ran: ${pm.replayNote ?? 'none was requested'}.` });
  else {
    if (replay.verdict) rates.push({ kind: 'p', text: `**Verdict.** ${replay.verdict.text}` });
    rates.push({
      kind: 'p',
      text: `${replay.requested} replays requested: ${replay.completed} completed, ${replay.failed} failed${replay.failed === 0 ? '' : ` (${Object.entries(replay.failures).map(([r, c]) => `${r}: ${c}`).join(', ')})`}, ${replay.retries} retries, ${(replay.wallMs / 1000).toFixed(1)} s.${replay.spansMissing > 0 ? ` ${replay.spansMissing} replay spans did not reach the store and are not counted.` : ''}`,
    });
    rates.push({ kind: 'chart', chart: 'histogram' });
    rates.push({ kind: 'table', header: ['output (normalised group)', 'replays', 'share', 'behaviors'], rows: replay.histogram.slice(0, 15).map((g) => [g.label, String(g.count), percent(g.share), g.behaviors.join(', ') || '—']) });
    if (replay.histogram.length > 15) rates.push({ kind: 'p', text: `${replay.histogram.length - 15} more distinct outputs not shown.` });
    rates.push({ kind: 'table', header: ['behavior set', 'replays'], rows: replay.behaviorSets.map((s) => [s.behaviors.join(' + ') || 'none', String(s.count)]) });
    rates.push({ kind: 'table', header: ['behavior', 'replays showing it', '95% upper bound'], rows: replay.behaviorRates.map((r) => [r.behavior, rateText(r), percent(r.upper)]) });
  }
  rates.push({ kind: 'p', text: `Production (live traffic), ${pm.behavior}: ${rateText(production.during)} in the window ${pm.window.during.from.toISOString()} – ${pm.window.during.to.toISOString()}; ${rateText(production.before)} in the ${pm.window.baselineMinutes} minutes before.${production.comparison === null ? '' : ` Two-proportion test, during vs before: z = ${production.comparison.z.toFixed(2)}, p = ${production.comparison.pValue.toFixed(3)}, difference ${percent(production.comparison.diff)} (95% CI ${percent(production.comparison.ci_low)} to ${percent(production.comparison.ci_high)}).`}` });
  rates.push({ kind: 'chart', chart: 'rate' });
  for (const dimension of INVESTIGATION_DIMENSIONS) {
    const slices = production.byDimension[dimension];
    if (slices.length === 0) continue;
    rates.push({
      kind: 'table',
      header: [dimension, 'before', 'during', 'p (during vs before)'],
      rows: slices.map((s) => [s.group === '' ? NOT_CAPTURED : s.group, rateText(s.before), rateText(s.during), s.comparison === null ? '—' : s.comparison.pValue.toFixed(3)]),
    });
  }
  sections.push({ title: 'The behavior rate', blocks: rates });

  const provider: Block[] = [providerTable(pm)];
  provider.push({
    kind: 'p',
    text: pm.fingerprints.changes.length === 0
      ? `No new fingerprint appeared between ${pm.window.before.from.toISOString()} and ${pm.window.during.to.toISOString()}.`
      : `Fingerprint changes: ${pm.fingerprints.changes.map((c) => `${c.fingerprint} first seen ${c.at}`).join('; ')}.`,
  });
  if (pm.fingerprints.fingerprints.length > 0) {
    provider.push({ kind: 'table', header: ['fingerprint', 'first seen', 'last seen', 'live calls'], rows: pm.fingerprints.fingerprints.map((f) => [f.fingerprint || NOT_CAPTURED, f.firstSeen, f.lastSeen, String(f.calls)]) });
  }
  provider.push({
    kind: 'p',
    text: pm.drift.available
      ? `Canary drift (${pm.drift.canaryCalls} canary calls): highest score in the window ${pm.drift.maxDuring?.toFixed(2) ?? '—'} (threshold ${pm.drift.threshold ?? '—'}); ${pm.drift.crossings.length === 0 ? 'it did not cross the threshold in the range' : `it crossed the threshold at ${pm.drift.crossings.join(', ')}`}.`
      : `Canary drift: not available: ${pm.drift.reason}.`,
  });
  sections.push({ title: 'Provider metadata then vs now', blocks: provider });

  const values = (list: { value: string; calls: number }[]) => (list.length === 0 ? 'no calls' : list.slice(0, 4).map((v) => `${v.value || NOT_CAPTURED} (${v.calls})`).join(', '));
  sections.push({
    title: 'Inputs we do not control',
    blocks: [
      {
        kind: 'table',
        header: ['input', 'at the incident', 'before', 'during', 'change in the window'],
        rows: pm.inputs.map((i) => {
          const before = i.column === 'freshness_lag_ms' ? (i.medianBefore === null ? 'no calls' : `median ${i.medianBefore}`) : values(i.before);
          const during = i.column === 'freshness_lag_ms' ? (i.medianDuring === null ? 'no calls' : `median ${i.medianDuring}`) : values(i.during);
          return [i.label, orNot(i.atIncident), i.captured ? before : NOT_CAPTURED, i.captured ? during : NOT_CAPTURED, !i.captured ? NOT_CAPTURED : i.changed ? '**changed**' : 'no change'];
        }),
      },
    ],
  });

  sections.push({
    title: 'What We Could Not Determine',
    blocks: [pm.unknowns.length === 0 ? { kind: 'p', text: 'Every attribute the investigation uses was captured.' } : { kind: 'list', items: pm.unknowns.map((u) => `**${u.what}.** Why: ${u.why}. To recover it next time: ${u.recover}.`) }],
  });
  sections.push({ title: 'What We Changed Anyway', blocks: [{ kind: 'checklist', items: pm.changes.map((c) => `**${c.lever}.** ${c.action} Measured by: ${c.measure}`) }] });
  const detection: Block[] = pm.recurrence.detection.length === 0 ? [] : [{ kind: 'table', header: ['alert clause', 'fires above', 'expected minutes to fire'], rows: pm.recurrence.detection.map((d) => [d.rule, percent(d.thresholdRate), d.minutes === null ? `never: ${d.never ?? ''}` : String(d.minutes)]) }];
  sections.push({ title: 'Recurrence and monitoring', blocks: [...pm.recurrence.text.map((text) => ({ kind: 'p' as const, text })), ...detection] });
  return sections;
}
