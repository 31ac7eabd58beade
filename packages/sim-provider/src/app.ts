import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { anthropicEvents, anthropicMessage } from './anthropic-messages.ts';
import { createClock } from './clock.ts';
import { drawFault } from './faults.ts';
import { chatChunks, chatCompletion } from './openai-chat.ts';
import { responseEvents, responseObject } from './openai-responses.ts';
import { anthropicPrompt, chatPrompt, responsesPrompt, type SimPrompt } from './prompt.ts';
import { requestRandom, type Random } from './random.ts';
import type { ReplyContext } from './reply.ts';
import { compileScenario } from './scenario.ts';
import { supportBotScenario } from './scenarios/support-bot.ts';
import { countTokens } from './tokens.ts';
import type { SimOutcome, SimProviderConfig, SimRecordedRequest } from './types.ts';

type Api = 'chat' | 'responses' | 'messages';
type Body = Record<string, unknown>;

/** The simulated provider as a Fastify app, plus what the server wrapper reads from it. */
export interface SimApp {
  app: FastifyInstance;
  requests: SimRecordedRequest[];
  minute(): number;
}

// Bounded so that a long benchmark with many distinct prompts cannot grow without limit.
const PROMPT_CACHE_LIMIT = 10_000;

const chatBodySchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: { model: { type: 'string' }, messages: { type: 'array' }, stream: { type: 'boolean' } },
};
const responsesBodySchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: { model: { type: 'string' }, stream: { type: 'boolean' } },
};
const messagesBodySchema = {
  type: 'object',
  required: ['model', 'messages', 'max_tokens'],
  properties: { model: { type: 'string' }, messages: { type: 'array' }, max_tokens: { type: 'integer' }, stream: { type: 'boolean' } },
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorBody(api: Api, status: number, message: string): Body {
  if (api === 'messages') {
    const type = status === 429 ? 'rate_limit_error' : status === 400 ? 'invalid_request_error' : 'api_error';
    return { type: 'error', error: { type, message } };
  }
  const type = status === 429 ? 'rate_limit_exceeded' : status === 400 ? 'invalid_request_error' : 'server_error';
  return { error: { message, type, param: null, code: type } };
}

export function buildSimApp(config: SimProviderConfig = {}): SimApp {
  const scenario = compileScenario(config.scenario ?? supportBotScenario);
  const clock = createClock(config.clock);
  const seed = config.seed ?? 1;
  const faults = config.faults ?? {};
  const latency = config.latency ?? {};
  const record = config.recordRequests ?? true;
  const requests: SimRecordedRequest[] = [];
  const seenInstructions = new Set<string>();
  const closing = new AbortController();
  let seq = 0;

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addHook('onClose', async () => closing.abort());
  app.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
    const api: Api = request.url.startsWith('/v1/messages') ? 'messages' : 'chat';
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    // 5xx bodies never carry internals; 4xx bodies say what was wrong (schema validation).
    void reply.code(status).send(errorBody(api, status, status < 500 ? String(error.message) : 'internal error'));
  });

  const prompts: Record<Api, (body: Body) => SimPrompt> = { chat: chatPrompt, responses: responsesPrompt, messages: anthropicPrompt };

  async function handle(api: Api, path: string, body: Body, reply: FastifyReply): Promise<void> {
    const requestSeq = seq++;
    const random = requestRandom(seed, requestSeq);
    const minute = clock.minute();
    const remember = (outcome: SimOutcome): void => {
      if (record) requests.push({ seq: requestSeq, path, body, simulatedMinute: minute, outcome });
    };
    // Fixed draw order (fault, latency, answer, ids) keeps runs reproducible.
    const fault = drawFault(faults, random);
    const delay = (latency.baseMs ?? 0) + random.next() * (latency.jitterMs ?? 0);
    if (fault === 'rate_limited') {
      remember({ kind: 'rate_limited' });
      await reply
        .code(429)
        .header('retry-after', String(faults.retryAfterSeconds ?? 1))
        .send(errorBody(api, 429, 'Rate limit reached (simulated).'));
      return;
    }
    if (fault === 'server_error') {
      remember({ kind: 'server_error' });
      await reply.code(500).send(errorBody(api, 500, 'The server had an error (simulated).'));
      return;
    }
    if (fault === 'timeout') {
      remember({ kind: 'timeout' });
      reply.hijack();
      await sleep(faults.timeoutMs ?? 30_000, closing.signal);
      reply.raw.destroy();
      return;
    }
    await sleep(delay, closing.signal);

    const prompt = prompts[api](body);
    const draw = scenario.draw(prompt.lastUserText, minute, random);
    remember({ kind: 'answer', ruleId: draw.ruleId, answerId: draw.answer.id, systemFingerprint: draw.systemFingerprint });
    const instructionTokens = countTokens(prompt.instructions);
    const cached = prompt.instructions !== '' && seenInstructions.has(prompt.instructions);
    if (!cached && prompt.instructions !== '') {
      if (seenInstructions.size >= PROMPT_CACHE_LIMIT) seenInstructions.clear();
      seenInstructions.add(prompt.instructions);
    }
    const answer = draw.answer;
    const outputText = (answer.text ?? '') + (answer.refusal ?? '') + (answer.toolCalls ?? []).map((c) => c.name + JSON.stringify(c.arguments)).join('');
    const context: ReplyContext = {
      draw,
      random,
      requestModel: prompt.model,
      createdSec: Math.floor(clock.now() / 1000),
      inputTokens: countTokens(prompt.allText),
      cachedTokens: cached ? instructionTokens : 0,
      cacheCreationTokens: !cached && api === 'messages' ? instructionTokens : 0,
      outputTokens: countTokens(outputText),
      serviceTier: typeof body['service_tier'] === 'string' && body['service_tier'] !== 'auto' ? body['service_tier'] : 'default',
    };
    const toolCount = (answer.toolCalls ?? []).length;
    const stream = body['stream'] === true;
    if (api === 'chat') {
      const id = `chatcmpl-${random.hex(24)}`;
      const callIds = ids(random, 'call_', toolCount);
      if (!stream) return void (await reply.send(chatCompletion(context, id, callIds)));
      const options = body['stream_options'];
      const includeUsage = typeof options === 'object' && options !== null && (options as Body)['include_usage'] === true;
      await writeSse(reply, chatChunks(context, id, callIds, includeUsage).map((chunk) => [null, chunk]), true);
      return;
    }
    if (api === 'responses') {
      const responseIds = {
        response: `resp_${random.hex(32)}`,
        message: `msg_${random.hex(32)}`,
        functionCalls: ids(random, 'fc_', toolCount),
        callIds: ids(random, 'call_', toolCount),
      };
      if (!stream) return void (await reply.send(responseObject(context, responseIds, body['instructions'])));
      await writeSse(reply, responseEvents(context, responseIds, body['instructions']), false);
      return;
    }
    const id = `msg_${random.hex(24)}`;
    const toolIds = ids(random, 'toolu_', toolCount);
    if (!stream) return void (await reply.send(anthropicMessage(context, id, toolIds)));
    await writeSse(reply, anthropicEvents(context, id, toolIds), false);
  }

  async function writeSse(reply: FastifyReply, events: [string | null, Body][], doneMarker: boolean): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (const [event, data] of events) {
      raw.write(`${event === null ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
      await sleep(latency.chunkDelayMs ?? 0, closing.signal);
    }
    if (doneMarker) raw.write('data: [DONE]\n\n');
    raw.end();
  }

  app.post('/v1/chat/completions', { schema: { body: chatBodySchema } }, async (request, reply) => {
    await handle('chat', '/v1/chat/completions', request.body as Body, reply);
  });
  app.post('/v1/responses', { schema: { body: responsesBodySchema } }, async (request, reply) => {
    await handle('responses', '/v1/responses', request.body as Body, reply);
  });
  app.post('/v1/messages', { schema: { body: messagesBodySchema } }, async (request, reply) => {
    await handle('messages', '/v1/messages', request.body as Body, reply);
  });
  app.get('/health', async () => ({ status: 'ok', minute: clock.minute() }));

  return { app, requests, minute: clock.minute };
}

function ids(random: Random, prefix: string, count: number): string[] {
  return Array.from({ length: count }, () => `${prefix}${random.hex(24)}`);
}
