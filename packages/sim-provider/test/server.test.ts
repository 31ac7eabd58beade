import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimProvider, type SimProvider, type SimProviderConfig } from '../src/index.ts';

const providers: SimProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
});

async function start(config: SimProviderConfig = {}): Promise<{ provider: SimProvider; client: OpenAI }> {
  const provider = await startSimProvider(config);
  providers.push(provider);
  return { provider, client: new OpenAI({ apiKey: 'x', baseURL: `${provider.url}/v1`, maxRetries: 0 }) };
}

const refund = { model: 'gpt-sim', messages: [{ role: 'user' as const, content: 'How long does my refund take?' }] };

describe('sim-provider over HTTP', () => {
  it('is reproducible: same seed and requests give the same answers; another seed differs', async () => {
    const answers = async (seed: number) => {
      const { client, provider } = await start({ seed, clock: { now: () => 1_800_000_000_000 } });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const completion = await client.chat.completions.create(refund);
        ids.push(`${completion.id} ${completion.choices[0]!.message.content}`);
      }
      return { ids, outcomes: provider.requests.map((request) => request.outcome) };
    };
    const first = await answers(7);
    const second = await answers(7);
    const other = await answers(8);
    expect(second).toEqual(first);
    expect(other.ids).not.toEqual(first.ids);
  });

  it('answers chat completions with usage, fingerprint and tool calls, and records bodies', async () => {
    const { client, provider } = await start({
      scenario: { systemFingerprint: 'fp_x', rules: [{ id: 't', match: 'order', answers: [{ id: 'call', weight: 1, toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'A-1' } }] }] }] },
    });
    const completion = await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'my order?' }] });
    expect(completion.system_fingerprint).toBe('fp_x');
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' ? [call.function.name, call.function.arguments] : []).toEqual(['lookup_order', '{"order_id":"A-1"}']);
    expect(completion.usage!.prompt_tokens_details!.cached_tokens).toBe(0);
    expect(provider.requests.map((request) => [request.path, request.body])).toEqual([
      ['/v1/chat/completions', { model: 'gpt-sim', messages: [{ role: 'user', content: 'my order?' }] }],
    ]);
  });

  it('streams chat completions whose deltas add up to the answer', async () => {
    const { client } = await start({ scenario: { rules: [{ id: 'r', match: '.', answers: [{ id: 'a', weight: 1, text: 'Refunds take seven days.' }] }] } });
    const stream = await client.chat.completions.create({ ...refund, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
    }
    expect([text, usageChunks]).toEqual(['Refunds take seven days.', 1]);
  });

  it('serves the Responses API, streamed and not', async () => {
    const { client } = await start({ scenario: { rules: [{ id: 'r', match: '.', answers: [{ id: 'a', weight: 1, text: 'Seven days.' }] }] } });
    const response = await client.responses.create({ model: 'gpt-sim', input: 'refund?' });
    expect([response.output_text, response.status]).toEqual(['Seven days.', 'completed']);
    const stream = await client.responses.create({ model: 'gpt-sim', input: 'refund?', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('serves Anthropic messages', async () => {
    const { provider } = await start({ scenario: { rules: [{ id: 'r', match: '.', answers: [{ id: 'a', weight: 1, text: 'Seven days.' }] }] } });
    const response = await fetch(`${provider.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sim', max_tokens: 10, messages: [{ role: 'user', content: 'refund?' }] }),
    });
    const message = (await response.json()) as { content: unknown; stop_reason: string };
    expect([message.content, message.stop_reason]).toEqual([[{ type: 'text', text: 'Seven days.' }], 'end_turn']);
  });

  it('changes the fingerprint at the scheduled simulated minute', async () => {
    let now = 1_800_000_000_000;
    const { client, provider } = await start({ clock: { now: () => now, startMs: now } });
    const before = await client.chat.completions.create(refund);
    now += 30 * 60_000;
    const after = await client.chat.completions.create(refund);
    expect([before.system_fingerprint, after.system_fingerprint, provider.minute()]).toEqual(['fp_sim_a1b2c3', 'fp_sim_d4e5f6', 30]);
  });

  it('compresses time', async () => {
    const { provider } = await start({ clock: { compression: 1e9 } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(provider.minute()).toBeGreaterThan(60);
  });

  it('injects 429 with Retry-After and 500', async () => {
    const limited = await start({ faults: { rateLimitRate: 1, retryAfterSeconds: 7 } });
    const response = await fetch(`${limited.provider.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(refund) });
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '7']);
    const failing = await start({ faults: { serverErrorRate: 1 } });
    await expect(failing.client.chat.completions.create(refund)).rejects.toMatchObject({ status: 500 });
    expect(failing.provider.requests.map((request) => request.outcome.kind)).toEqual(['server_error']);
  });

  it('hangs requests to simulate timeouts (and close() does not wait for them)', async () => {
    const { client, provider } = await start({ faults: { timeoutRate: 1, timeoutMs: 60_000 } });
    await expect(client.chat.completions.create(refund, { timeout: 50 })).rejects.toThrow(/timed out/i);
    expect(provider.requests.map((request) => request.outcome.kind)).toEqual(['timeout']);
  });

  it('answers 400 with the reason for a malformed body', async () => {
    const { provider } = await start();
    const response = await fetch(`${provider.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"x"}' });
    expect([response.status, await response.json()]).toEqual([
      400,
      { error: { message: "body must have required property 'messages'", type: 'invalid_request_error', param: null, code: 'invalid_request_error' } },
    ]);
  });

  it('runs as a CLI', async () => {
    const bin = fileURLToPath(new URL('../bin/sim-provider.js', import.meta.url));
    const child = spawn(process.execPath, [bin, '--port', '0', '--seed', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /http:\/\/[\d.]+:\d+/.exec(line.toString())![0];
      const client = new OpenAI({ apiKey: 'x', baseURL: `${url}/v1`, maxRetries: 0 });
      const completion = await client.chat.completions.create(refund);
      expect(completion.system_fingerprint).toBe('fp_sim_a1b2c3');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
