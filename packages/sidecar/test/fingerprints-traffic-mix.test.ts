import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRandom } from '../../sim-provider/src/random.ts';
import { compileScenario } from '../../sim-provider/src/scenario.ts';
import type { FingerprintAnswer } from '../src/fingerprints/timeline.ts';
import type { TraceRow } from '../src/otlp/rows.ts';
import type { TrafficMixAnswer } from '../src/traffic/mix.ts';
import { SIM_EPOCH_S } from './canary-sim.ts';
import { getApi, startTestServer, type TestServer } from './helpers.ts';

const iso = (minute: number) => new Date((SIM_EPOCH_S + minute * 60) * 1000).toISOString();
const minuteOf = (t: string) => (Date.parse(t) / 1000 - SIM_EPOCH_S) / 60;

/** A GenAI chat span row as the receiver writes it, at a simulated second. */
function chatRow(seconds: number, seq: number, attributes: Record<string, string>, service = 'support-bot'): TraceRow {
  const id = seq.toString(16).padStart(16, '0');
  return {
    Timestamp: `${seconds}.000000000`, TraceId: id.padStart(32, '0'), SpanId: id, ParentSpanId: '', TraceState: '',
    SpanName: `chat ${attributes['gen_ai.request.model']}`, SpanKind: 'Client', ServiceName: service,
    ResourceAttributes: { 'service.name': service }, ScopeName: '@behavior-rate/otel', ScopeVersion: '0.1.0',
    SpanAttributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.response.finish_reasons': '["stop"]', ...attributes },
    Duration: '200000000', StatusCode: 'Unset', StatusMessage: '',
    'Events.Timestamp': [], 'Events.Name': [], 'Events.Attributes': [], 'Links.TraceId': [], 'Links.SpanId': [], 'Links.TraceState': [], 'Links.Attributes': [],
  };
}

/** The simulated provider switches gpt-sim from fp_a to fp_b at minute 30; other-model never changes. */
const SWITCH_AT = 30;
const FP_MINUTES = 90;
const CALLS_PER_MINUTE = 3;

/** Traffic: 20 calls a minute, a fifth multi-intent, until a 15-minute spike where most are. */
const MIX_MINUTES = 240;
const SPIKE_FROM = 200;
const SPIKE_TO = 215;

describe('fingerprint timeline and traffic mix', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    const provider = compileScenario({ systemFingerprint: 'fp_a', responseModel: 'gpt-sim-0613', rules: [], changes: [{ atMinute: SWITCH_AT, systemFingerprint: 'fp_b' }] });
    const rows: TraceRow[] = [];
    let seq = 0;
    // Fingerprint data lives on day 2 of the simulated calendar, traffic-mix data on day 3.
    const fpStart = SIM_EPOCH_S + 86_400;
    for (let minute = 0; minute < FP_MINUTES; minute++) {
      const state = provider.stateAt(minute);
      for (let i = 0; i < CALLS_PER_MINUTE; i++) {
        rows.push(chatRow(fpStart + minute * 60 + i, seq++, { 'gen_ai.request.model': 'gpt-sim', 'gen_ai.response.model': state.responseModel ?? '', 'openai.response.system_fingerprint': state.systemFingerprint }));
      }
      rows.push(chatRow(fpStart + minute * 60 + 30, seq++, { 'gen_ai.request.model': 'other-model', 'gen_ai.response.model': 'other-model-1', 'openai.response.system_fingerprint': 'fp_x' }, 'billing-bot'));
    }
    const mixStart = SIM_EPOCH_S + 2 * 86_400;
    const random = requestRandom(11, 0);
    for (let minute = 0; minute < MIX_MINUTES; minute++) {
      const multiShare = minute >= SPIKE_FROM && minute < SPIKE_TO ? 0.7 : 0.2;
      for (let i = 0; i < 20; i++) {
        const multi = random.next() < multiShare;
        rows.push(chatRow(mixStart + minute * 60 + i, seq++, {
          'gen_ai.request.model': 'gpt-mix', 'gen_ai.response.model': 'gpt-mix-1', 'openai.response.system_fingerprint': 'fp_m',
          'traffic.class': multi ? 'multi_intent' : 'simple',
          'prompt.template.hash': random.next() < 0.5 ? 'tmpl_faq' : 'tmpl_orders',
        }));
      }
    }
    // Calls that exercise every branch of the per-minute views' expressions: the old
    // fingerprint attribute, replay and canary marks, and a failed call with no backend.
    const oddStart = SIM_EPOCH_S + 3 * 86_400;
    rows.push(
      chatRow(oddStart, seq++, { 'gen_ai.request.model': 'odd', 'gen_ai.openai.response.system_fingerprint': 'fp_legacy', 'gen_ai.response.model': 'odd-1' }),
      chatRow(oddStart + 1, seq++, { 'gen_ai.request.model': 'odd', 'openai.response.system_fingerprint': 'fp_new', 'replay.of': 'abc', 'traffic.class': 'batch' }),
      chatRow(oddStart + 2, seq++, { 'gen_ai.request.model': 'odd', 'openai.response.system_fingerprint': 'fp_new', 'canary.case_id': 'c1', 'prompt.template.hash': 't9' }),
      chatRow(oddStart + 3, seq, { 'gen_ai.request.model': 'odd', 'error.type': 'RateLimitError', 'gen_ai.operation.name': 'text_completion' }),
    );
    await server.store.insert('test spans', 'otel_traces', rows);
  }, 60_000);
  afterAll(async () => server?.dispose());

  const fpIso = (minute: number) => iso(1440 + minute);
  const fpMinute = (t: string) => minuteOf(t) - 1440;

  it('shows when each backend of a model was first and last seen, with its calls', async () => {
    const { status, body } = await getApi<FingerprintAnswer>(server, `/api/v1/fingerprints?from=${fpIso(0)}&to=${fpIso(FP_MINUTES)}&model=gpt-sim`);
    expect(status).toBe(200);
    expect(body.models).toHaveLength(1);
    const [model] = body.models;
    expect(model?.calls).toBe(FP_MINUTES * CALLS_PER_MINUTE);
    expect(model?.fingerprints.map((f) => ({ ...f, first: fpMinute(f.first_seen), last: fpMinute(f.last_seen) }))).toEqual([
      expect.objectContaining({ system_fingerprint: 'fp_a', response_model: 'gpt-sim-0613', first: 0, last: SWITCH_AT - 1, calls: SWITCH_AT * CALLS_PER_MINUTE }),
      expect.objectContaining({ system_fingerprint: 'fp_b', response_model: 'gpt-sim-0613', first: SWITCH_AT, last: FP_MINUTES - 1, calls: (FP_MINUTES - SWITCH_AT) * CALLS_PER_MINUTE }),
    ]);
  });

  it('reports the change as events at the right minute, with what came before', async () => {
    const { body } = await getApi<FingerprintAnswer>(server, `/api/v1/fingerprints?from=${fpIso(0)}&to=${fpIso(FP_MINUTES)}`);
    expect(body.events).toEqual([
      { t: fpIso(SWITCH_AT), kind: 'appeared', model: 'gpt-sim', system_fingerprint: 'fp_b', response_model: 'gpt-sim-0613', calls: (FP_MINUTES - SWITCH_AT) * CALLS_PER_MINUTE, previous: [{ system_fingerprint: 'fp_a', response_model: 'gpt-sim-0613', calls: SWITCH_AT * CALLS_PER_MINUTE }] },
      { t: fpIso(SWITCH_AT), kind: 'disappeared', model: 'gpt-sim', system_fingerprint: 'fp_a', response_model: 'gpt-sim-0613', calls: SWITCH_AT * CALLS_PER_MINUTE, previous: [] },
    ]);
    // other-model never changed backend: listed, but no event.
    expect(body.models.map((m) => m.model)).toEqual(['gpt-sim', 'other-model']);
  });

  it('knows a backend from before the range, and filters by service', async () => {
    const later = await getApi<FingerprintAnswer>(server, `/api/v1/fingerprints?from=${fpIso(20)}&to=${fpIso(FP_MINUTES)}&model=gpt-sim`);
    const fpA = later.body.models[0]?.fingerprints[0];
    expect(fpA).toMatchObject({ system_fingerprint: 'fp_a', calls: 10 * CALLS_PER_MINUTE, first_seen: fpIso(20), first_seen_ever: fpIso(0) });
    const billing = await getApi<FingerprintAnswer>(server, `/api/v1/fingerprints?from=${fpIso(0)}&to=${fpIso(FP_MINUTES)}&service=billing-bot`);
    expect(billing.body.models.map((m) => [m.model, m.calls])).toEqual([['other-model', FP_MINUTES]]);
    expect(billing.body.events).toEqual([]);
    const bad = await getApi<{ message: string }>(server, `/api/v1/fingerprints?from=${fpIso(0)}&to=${fpIso(FP_MINUTES)}&source=prod`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('source: must be equal to one of the allowed values: all, live, canary, replay');
  });

  it('counts in its per-minute tables exactly the calls genai_calls holds', async () => {
    const keys = 'request_model, system_fingerprint, response_model, service, source';
    const calls = await server.store.query('test', `SELECT ${keys}, count() AS n FROM genai_calls WHERE system_fingerprint != '' OR response_model != '' GROUP BY ${keys} ORDER BY ${keys}`);
    const counted = await server.store.query('test', `SELECT ${keys}, sum(calls) AS n FROM fingerprints_by_minute GROUP BY ${keys} ORDER BY ${keys}`);
    expect(counted).toEqual(calls);
    expect(calls.some((row) => (row as { system_fingerprint: string }).system_fingerprint === 'fp_legacy')).toBe(true);
    const mixKeys = 'service, request_model, source, traffic_class, operation, prompt_template_hash';
    const mixCalls = await server.store.query('test', `SELECT ${mixKeys}, count() AS n FROM genai_calls GROUP BY ${mixKeys} ORDER BY ${mixKeys}`);
    const mixCounted = await server.store.query('test', `SELECT ${mixKeys}, sum(calls) AS n FROM traffic_mix_by_minute GROUP BY ${mixKeys} ORDER BY ${mixKeys}`);
    expect(mixCounted).toEqual(mixCalls);
    expect(new Set(mixCalls.map((row) => (row as { source: string }).source))).toEqual(new Set(['live', 'replay', 'canary']));
  });

  const mixIso = (minute: number) => iso(2880 + minute);
  const mixMinute = (t: string) => minuteOf(t) - 2880;

  it('makes a traffic-class spike visible in the traffic-mix divergence', async () => {
    const { status, body } = await getApi<TrafficMixAnswer>(server, `/api/v1/traffic-mix?from=${mixIso(150)}&to=${mixIso(MIX_MINUTES)}&baseline=2h`);
    expect(status).toBe(200);
    expect(body.points).toHaveLength(18);
    const during = body.points.filter((p) => mixMinute(p.t) - 4 >= SPIKE_FROM && mixMinute(p.t) < SPIKE_TO);
    const quiet = body.points.filter((p) => mixMinute(p.t) < SPIKE_FROM);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((p) => p.above_threshold)).toBe(true);
    expect(quiet.every((p) => !p.above_threshold)).toBe(true);
    // The class moved, the templates did not.
    for (const point of during) {
      expect(point.by_dimension.traffic_class!).toBeGreaterThan(3 * Math.max(...quiet.map((q) => q.by_dimension.traffic_class ?? 0)));
      expect(point.by_dimension.prompt_template!).toBeLessThan(body.threshold);
      expect(point.by_dimension.operation).toBe(0);
    }
    expect(body.peak).not.toBeNull();
    expect(mixMinute(body.peak!.t)).toBeGreaterThanOrEqual(SPIKE_FROM);
    expect(mixMinute(body.peak!.t)).toBeLessThan(SPIKE_TO + 5);
    expect(body.peak!.movers[0]).toMatchObject({ dimension: 'traffic_class', value: 'multi_intent' });
    expect(body.peak!.movers[0]!.window_share).toBeGreaterThan(body.peak!.movers[0]!.baseline_share + 0.3);
  });

  it('counts live traffic only unless asked, and refuses bad parameters', async () => {
    const canary = await getApi<TrafficMixAnswer>(server, `/api/v1/traffic-mix?from=${mixIso(150)}&to=${mixIso(MIX_MINUTES)}&baseline=2h&source=canary`);
    expect(canary.body.points.every((p) => p.calls === 0 && p.score === null)).toBe(true);
    expect(canary.body.peak).toBeNull();
    const bad = await getApi<{ message: string }>(server, `/api/v1/traffic-mix?from=${mixIso(150)}&to=${mixIso(MIX_MINUTES)}&baseline=10y`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('baseline: expected a duration');
  });
});
