import type { CanaryDriftSummary } from '../investigation/canary-drift.ts';
import type { IncidentCall } from '../investigation/incident-call.ts';
import type { ProductionRates } from '../investigation/behavior-rates.ts';
import type { ReplayReport } from '../replay/report.ts';
import { howToSupply } from '../replay/request-source.ts';

/** One thing the investigation could not determine: what, why, and the capture change that recovers it. */
export interface Unknown {
  /** Stable id, for tests and tooling. */
  id: string;
  what: string;
  why: string;
  recover: string;
}

export interface UnknownsInput {
  call: IncidentCall;
  replay: ReplayReport | null;
  /** Why no replay ran, when none did. */
  replayNote: string | null;
  production: ProductionRates;
  drift: CanaryDriftSummary;
  traceId: string;
}

const has = (call: IncidentCall, key: string): boolean => (call.attributes[key] ?? '') !== '';

/**
 * "What We Could Not Determine", generated from what the incident span lacks and what the
 * investigation could not measure. Each entry names the missing attribute or data and the
 * capture change that would recover it next time.
 */
export function couldNotDetermine(input: UnknownsInput): Unknown[] {
  const { call } = input;
  const out: Unknown[] = [];
  const contentHow = 'enable content capture in the app: `new BehaviorRateInstrumentation({ captureContent: true, redact })` or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (a `redact` function keeps PII out)';
  if (!has(call, 'gen_ai.input.messages')) {
    out.push({ id: 'content', what: 'What the user sent: the prompt, the retrieved context and the conversation', why: 'gen_ai.input.messages was not captured: content capture was off for this call', recover: contentHow });
  }
  if (!has(call, 'gen_ai.output.messages')) {
    out.push({ id: 'output', what: 'What the model answered, word for word', why: 'gen_ai.output.messages was not captured: content capture was off for this call', recover: contentHow });
  }
  if (call.systemFingerprint === '') {
    out.push({
      id: 'fingerprint',
      what: 'Which backend configuration answered',
      why: `the span has no openai.response.system_fingerprint (the provider returned none)${call.responseModel === '' ? ' and no gen_ai.response.model' : `; only the response model (${call.responseModel}) names it, and that stays the same when the provider changes serving stacks`}`,
      recover: 'use an API that returns system_fingerprint (the instrumentation records it whenever present), and run a canary set against the model so a backend change shows as drift even without a fingerprint',
    });
  }
  const inputs: [string, string, string, string][] = [
    ['index_version', 'retrieval.index.version', 'Which retrieval index the context came from, and whether it changed', 'withUncontrolledInputs({ retrievalIndexVersion }, () => …) around the call'],
    ['freshness_lag', 'retrieval.freshness_lag_ms', 'How stale the vector store was', 'withUncontrolledInputs({ retrievalFreshnessLagMs }, () => …) around the call'],
    ['traffic_class', 'traffic.class', 'Which kind of traffic the call belonged to', 'withUncontrolledInputs({ trafficClass }, () => …) around the call'],
  ];
  for (const [id, attribute, what, how] of inputs) {
    if (!has(call, attribute)) out.push({ id, what, why: `${attribute} was not set on the incident span`, recover: how });
  }
  if (!has(call, 'prompt.template.hash')) {
    out.push({ id: 'prompt_template', what: 'Which prompt template version was in use', why: 'prompt.template.hash is absent: the call had no system instructions and no promptTemplateId', recover: 'withUncontrolledInputs({ promptTemplateId }, () => …), or send the template as system instructions so the instrumentation hashes it' });
  }
  const uncaptured = parseList(call.attributes['request.uncaptured_fields']);
  if (uncaptured.length > 0) {
    out.push({ id: 'request_fields', what: `The request's ${uncaptured.join(', ')}`, why: 'the instrumentation does not record these request fields, so no replay can resend them', recover: 'replay with the full body (`behavior-rate replay --request FILE`), and move what matters into recorded fields' });
  }
  if (call.inputTokens === null || call.outputTokens === null) {
    out.push({ id: 'tokens', what: 'Token and cache counts of the incident call', why: 'gen_ai.usage.* are absent: the provider reported no usage (streamed calls report it only with stream_options.include_usage)', recover: 'send stream_options: { include_usage: true } on streamed calls' });
  }
  if (input.replay === null) {
    const missing = /missing (.+)$/.exec(input.replayNote ?? '')?.[1]?.split(', ');
    out.push({ id: 'replay', what: 'The rate of the behavior on this exact input', why: input.replayNote ?? 'no replay was run', recover: missing === undefined ? `run \`behavior-rate replay --trace ${input.traceId} -n 400\`` : howToSupply(missing) });
  } else if (input.replay.completed === 0) {
    out.push({ id: 'replay', what: 'The rate of the behavior on this exact input', why: `all ${input.replay.failed} replays failed (${Object.entries(input.replay.failures).map(([reason, count]) => `${reason}: ${count}`).join(', ')})`, recover: 'rerun when the endpoint answers; lower --concurrency if it rate-limits' });
  } else if (input.replay.incidentFingerprint !== null && input.replay.fingerprints.length > 0 && !input.replay.fingerprints.some((f) => f.fingerprint === input.replay?.incidentFingerprint)) {
    out.push({ id: 'old_backend', what: "The behavior rate on the incident's backend", why: `the replays ran on ${input.replay.fingerprints.map((f) => f.fingerprint).join(', ')}, not on ${input.replay.incidentFingerprint}; a provider serves only its current backend, so the old one cannot be replayed`, recover: 'keep a canary set running, so each backend is measured while it serves' });
  }
  if (input.production.during.calls === 0) {
    out.push({ id: 'production', what: 'The production rate in the incident window', why: 'no live calls were recorded in the window', recover: 'send all live GenAI spans to the sidecar (or the collector), not only sampled ones' });
  }
  if (!input.drift.available) {
    out.push({ id: 'canary_drift', what: "Whether the model's answers moved while nothing of ours changed", why: input.drift.reason ?? 'no canary drift data', recover: `turn this incident into a canary case (\`behavior-rate canary add --from-trace ${input.traceId}\`) and run the canary set (\`behavior-rate serve --canaries canaries.yaml\`)` });
  }
  return out;
}

function parseList(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(String) : [value];
  } catch {
    return [value];
  }
}
