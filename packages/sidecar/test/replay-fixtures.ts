import OpenAI from 'openai';
import type { SimScenario } from '@behavior-rate/sim-provider';
import { replayTelemetry } from '../src/replay/telemetry.ts';
import type { TestServer } from './helpers.ts';

/** A refund bot answering wrong ("hours") with a known probability. */
export function refundScenario(wrongRate: number): SimScenario {
  return {
    systemFingerprint: 'fp_sim_replay',
    rules: [
      {
        id: 'refund',
        match: 'refund',
        answers: [
          { id: 'right', weight: 1 - wrongRate, text: 'Refunds are processed within seven days.' },
          { id: 'wrong', weight: wrongRate, text: 'Refunds are processed within seven hours.' },
        ],
      },
    ],
  };
}

export const WRONG_SLA_BEHAVIORS = `
behaviors:
  - name: wrong_sla
    description: The bot quoted a refund time in hours; the SLA is seven days.
    where: "output_text ILIKE '%hours%'"
    objective: 0.01
`;

/** The original request: everything a user could set, so the replay has to resend it all. */
export const ORIGINAL_REQUEST = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system' as const, content: 'You are the support bot of Acme. Refunds take seven days.' },
    { role: 'user' as const, content: 'How long does a refund take?' },
  ],
  temperature: 0.7,
  top_p: 0.9,
  seed: 42,
  max_tokens: 200,
  tools: [
    {
      type: 'function' as const,
      function: { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
    },
  ],
};

/**
 * Makes one production call through the product's instrumentation (content captured),
 * exported to the test sidecar, and returns its span id as stored.
 */
export async function productionCall(server: TestServer, simUrl: string): Promise<{ traceId: string; spanId: string }> {
  const telemetry = replayTelemetry(server.otlpUrl);
  const client = new OpenAI({ baseURL: `${simUrl}/v1`, apiKey: 'test', maxRetries: 0 });
  await client.chat.completions.create(ORIGINAL_REQUEST);
  await telemetry.flush();
  const rows = await server.store.query<{ trace_id: string; span_id: string }>('test', `SELECT trace_id, span_id FROM genai_calls WHERE source = 'live' ORDER BY timestamp DESC LIMIT 1`);
  if (rows[0] === undefined) throw new Error('the production call did not reach the store');
  return { traceId: rows[0].trace_id, spanId: rows[0].span_id };
}

export async function postJson<T>(server: TestServer, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}
