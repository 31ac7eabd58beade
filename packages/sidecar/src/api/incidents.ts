import { requestFromSpanAttributes } from '@behavior-rate/otel';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { queryRate } from '../rates/query.ts';
import { findIncidentCall, IncidentNotFoundError, type IncidentCall } from '../investigation/incident-call.ts';
import { DEFAULT_BASELINE_MINUTES, DEFAULT_WINDOW_MINUTES, incidentWindow } from '../investigation/window.ts';
import { buildPostmortem } from '../postmortem/build.ts';
import { renderHtml } from '../postmortem/html.ts';
import { loadIncident, newIncidentId, saveIncident } from '../postmortem/incidents.ts';
import { renderMarkdown } from '../postmortem/markdown.ts';
import { howToSupply, ReplayRequestError, requestFromBody, requestFromStoredCall, type ReplaySource } from '../replay/request-source.ts';
import { ReplayService, type ReplayRunView } from '../replay/service.ts';
import { listBehaviors } from './behaviors.ts';
import { BadRequestError } from './context.ts';

declare module './context.ts' {
  interface ApiContext {
    /** The OTLP receiver's base URL once it listens; replays export their spans there. */
    otlpUrl?: string;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    replays: ReplayService;
  }
}

/** Largest replay run: the exporter queue and the report stay bounded. */
const MAX_REPLAYS = 10_000;
/** Most replays in flight against the provider at once. */
const MAX_CONCURRENCY = 256;

/** Where replays go without an explicit endpoint: BEHAVIOR_RATE_REPLAY_ENDPOINT, OPENAI_BASE_URL, then OpenAI. */
function defaultEndpoint(): string {
  return process.env.BEHAVIOR_RATE_REPLAY_ENDPOINT ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
}

class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
}

class ConflictError extends Error {
  override readonly name = 'ConflictError';
  readonly statusCode = 409;
}

const replayOptionsSchema = {
  concurrency: { type: 'integer', minimum: 1, maximum: MAX_CONCURRENCY },
  endpoint: { type: 'string', minLength: 1, maxLength: 2048 },
  allowMissing: { type: 'boolean' },
  timeoutMs: { type: 'integer', minimum: 100, maximum: 600_000 },
  maxRetries: { type: 'integer', minimum: 0, maximum: 10 },
  wait: { type: 'boolean' },
} as const;

interface ReplayOptions {
  concurrency?: number;
  endpoint?: string;
  allowMissing?: boolean;
  timeoutMs?: number;
  maxRetries?: number;
  wait?: boolean;
}

interface ReplayBody extends ReplayOptions {
  spanId?: string;
  traceId?: string;
  request?: Record<string, unknown>;
  count: number;
  behavior?: string;
}

interface IncidentBody extends ReplayOptions {
  traceId: string;
  spanId?: string;
  behavior?: string;
  replays?: number;
  windowMinutes?: number;
  baselineMinutes?: number;
}

function checkEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new BadRequestError(`endpoint: expected an http(s) base URL such as https://api.openai.com/v1, got ${JSON.stringify(endpoint)}`);
  }
  return endpoint;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

async function checkBehavior(app: FastifyInstance, behavior: string | undefined): Promise<void> {
  if (behavior === undefined) return;
  const known = await listBehaviors(app);
  if (!known.some((b) => b.name === behavior)) throw new BadRequestError(`behavior: unknown behavior ${JSON.stringify(behavior)}; known: ${known.map((b) => b.name).join(', ')}`);
}

/** The live rate of the behavior in the default window around the call, for the verdict. */
async function productionAround(app: FastifyInstance, call: IncidentCall, behavior: string, windowMinutes = DEFAULT_WINDOW_MINUTES) {
  const window = incidentWindow(call.timestampMs, windowMinutes);
  return (await queryRate(app.ctx.store, { behavior, from: window.during.from, to: window.during.to, source: 'live' })).total;
}

async function startRun(app: FastifyInstance, source: ReplaySource, count: number, behavior: string | null, options: ReplayOptions, windowMinutes?: number): Promise<ReplayRunView> {
  const production = source.call !== null && behavior !== null ? await productionAround(app, source.call, behavior, windowMinutes) : null;
  return app.replays.start({
    source,
    count,
    concurrency: options.concurrency ?? 8,
    endpoint: checkEndpoint(options.endpoint ?? defaultEndpoint()),
    // The provider key stays in the sidecar's environment; it is never accepted over the API,
    // and it goes only to the operator's configured endpoint: an API caller naming another
    // origin would otherwise receive it in the Authorization header.
    apiKey: sameOrigin(options.endpoint ?? defaultEndpoint(), defaultEndpoint()) ? process.env.OPENAI_API_KEY ?? 'no-key' : 'no-key',
    behavior,
    production,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
}

function sendView(reply: FastifyReply, view: ReplayRunView) {
  return reply.code(view.state === 'running' ? 202 : 200).send(view);
}

/**
 * Replays and incidents. Replays run inside the sidecar (the provider key stays in its
 * environment) and record their spans through the product's instrumentation into its own
 * OTLP receiver; clients start a run, then poll it.
 */
export async function incidentRoutes(app: FastifyInstance): Promise<void> {
  app.decorate('replays', new ReplayService(app.ctx.store, () => app.ctx.behaviors, () => app.ctx.otlpUrl));

  app.post<{ Body: ReplayBody }>(
    '/api/v1/replays',
    {
      schema: {
        body: {
          type: 'object',
          required: ['count'],
          additionalProperties: false,
          properties: {
            spanId: { type: 'string', pattern: '^[0-9a-fA-F]{16}$' },
            traceId: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
            request: { type: 'object' },
            count: { type: 'integer', minimum: 1, maximum: MAX_REPLAYS },
            behavior: { type: 'string', minLength: 1, maxLength: 128 },
            ...replayOptionsSchema,
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if ((body.request === undefined) === (body.spanId === undefined && body.traceId === undefined)) {
        throw new BadRequestError('spanId/traceId/request: give a stored call (spanId or traceId) or a request body, exactly one');
      }
      await checkBehavior(app, body.behavior);
      let source: ReplaySource;
      try {
        source = body.request !== undefined
          ? requestFromBody(body.request)
          : await requestFromStoredCall(app.ctx.store, { ...(body.spanId === undefined ? {} : { spanId: body.spanId }), ...(body.traceId === undefined ? {} : { traceId: body.traceId }), ...(body.behavior === undefined ? {} : { behavior: body.behavior }) }, body.allowMissing ?? false);
      } catch (error) {
        if (error instanceof IncidentNotFoundError) throw new NotFoundError(error.message);
        if (error instanceof ReplayRequestError) return reply.code(400).send({ error: 'Bad Request', message: error.message, missing: error.missing });
        throw error;
      }
      const behavior = body.behavior ?? source.call?.behaviors.find((b) => b !== 'error') ?? null;
      const view = await startRun(app, source, body.count, behavior, body);
      if (body.wait === true) return sendView(reply, (await app.replays.wait(view.runId)) ?? view);
      return sendView(reply, view);
    },
  );

  app.get<{ Params: { runId: string } }>('/api/v1/replays/:runId', async (request, reply) => {
    const view = app.replays.get(request.params.runId);
    if (view !== undefined) return sendView(reply, view);
    const report = await app.replays.report(request.params.runId, { behavior: null, knownBehaviors: [], incidentBehaviors: null, incidentFingerprint: null, production: null });
    if (report === null) throw new NotFoundError(`no finished replay run ${request.params.runId}`);
    return { runId: report.runId, state: 'done', replayOf: report.replayOf, progress: { total: report.requested, done: report.completed + report.failed, completed: report.completed, failed: report.failed, retries: report.retries }, report, error: null };
  });

  app.get<{ Querystring: { traceId?: string; spanId?: string; behavior?: string } }>(
    '/api/v1/calls/request',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { traceId: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' }, spanId: { type: 'string', pattern: '^[0-9a-fA-F]{16}$' }, behavior: { type: 'string', minLength: 1, maxLength: 128 } },
        },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.traceId === undefined && q.spanId === undefined) throw new BadRequestError('traceId/spanId: give at least one');
      let call: IncidentCall;
      try {
        call = await findIncidentCall(app.ctx.store, q);
      } catch (error) {
        if (error instanceof IncidentNotFoundError) throw new NotFoundError(error.message);
        throw error;
      }
      const rebuilt = requestFromSpanAttributes(call.attributes);
      return { traceId: call.traceId, spanId: call.spanId, behaviors: call.behaviors, outputText: call.outputText, body: rebuilt.body, missing: rebuilt.missing, howToSupply: rebuilt.missing.length === 0 ? null : howToSupply(rebuilt.missing) };
    },
  );

  app.post<{ Body: IncidentBody }>(
    '/api/v1/incidents',
    {
      schema: {
        body: {
          type: 'object',
          required: ['traceId'],
          additionalProperties: false,
          properties: {
            traceId: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
            spanId: { type: 'string', pattern: '^[0-9a-fA-F]{16}$' },
            behavior: { type: 'string', minLength: 1, maxLength: 128 },
            replays: { type: 'integer', minimum: 0, maximum: MAX_REPLAYS },
            windowMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
            baselineMinutes: { type: 'integer', minimum: 1, maximum: 10_080 },
            ...replayOptionsSchema,
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await checkBehavior(app, body.behavior);
      let call: IncidentCall;
      try {
        call = await findIncidentCall(app.ctx.store, { traceId: body.traceId, ...(body.spanId === undefined ? {} : { spanId: body.spanId }), ...(body.behavior === undefined ? {} : { behavior: body.behavior }) });
      } catch (error) {
        if (error instanceof IncidentNotFoundError) throw new NotFoundError(error.message);
        throw error;
      }
      const behavior = body.behavior ?? call.behaviors.find((b) => b !== 'error');
      if (behavior === undefined) {
        throw new BadRequestError(`behavior: the incident call shows no behavior, so name the one reported (known: ${(await listBehaviors(app)).map((b) => b.name).join(', ')})`);
      }
      const replays = body.replays ?? 100;
      let replayRunId = '';
      let replayNote = '';
      let view: ReplayRunView | undefined;
      if (replays === 0) replayNote = 'replays: 0 was requested';
      else {
        try {
          const source = await requestFromStoredCall(app.ctx.store, { traceId: call.traceId, spanId: call.spanId }, body.allowMissing ?? false);
          view = await startRun(app, source, replays, behavior, body, body.windowMinutes);
          replayRunId = view.runId;
        } catch (error) {
          if (!(error instanceof ReplayRequestError)) throw error;
          replayNote = `the request could not be rebuilt from the span: missing ${error.missing.join(', ')}`;
        }
      }
      const incident = {
        incidentId: newIncidentId(),
        createdAt: new Date().toISOString(),
        traceId: call.traceId,
        spanId: call.spanId,
        behavior,
        windowMinutes: body.windowMinutes ?? DEFAULT_WINDOW_MINUTES,
        baselineMinutes: body.baselineMinutes ?? DEFAULT_BASELINE_MINUTES,
        replayRunId,
        replayNote,
      };
      await saveIncident(app.ctx.store, incident);
      if (body.wait === true && view !== undefined) view = await app.replays.wait(view.runId);
      const state = view?.state === 'running' ? 'replaying' : 'ready';
      return reply.code(state === 'ready' ? 201 : 202).send({ ...incident, state, replay: view ?? null, postmortem: `/api/v1/incidents/${incident.incidentId}/postmortem` });
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/incidents/:id', async (request) => {
    const incident = await loadIncident(app.ctx.store, request.params.id);
    if (incident === undefined) throw new NotFoundError(`no incident ${request.params.id}`);
    const view = incident.replayRunId === '' ? undefined : app.replays.get(incident.replayRunId);
    return { ...incident, state: view?.state === 'running' ? 'replaying' : 'ready', replay: view ?? null, postmortem: `/api/v1/incidents/${incident.incidentId}/postmortem` };
  });

  app.get<{ Params: { id: string }; Querystring: { format?: 'md' | 'html' | 'json' } }>(
    '/api/v1/incidents/:id/postmortem',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['md', 'html', 'json'] } } } } },
    async (request, reply) => {
      const incident = await loadIncident(app.ctx.store, request.params.id);
      if (incident === undefined) throw new NotFoundError(`no incident ${request.params.id}`);
      const view = incident.replayRunId === '' ? undefined : app.replays.get(incident.replayRunId);
      if (view?.state === 'running') {
        reply.header('retry-after', '2');
        throw new ConflictError(`replays still running (${view.progress.done} of ${view.progress.total} done); ask again when GET /api/v1/incidents/${incident.incidentId} says ready`);
      }
      const call = await findIncidentCall(app.ctx.store, { traceId: incident.traceId, spanId: incident.spanId });
      const replay = incident.replayRunId === ''
        ? null
        : await app.replays.report(incident.replayRunId, {
            behavior: incident.behavior,
            knownBehaviors: [],
            incidentBehaviors: call.behaviors,
            incidentFingerprint: call.fingerprint === '' ? null : call.fingerprint,
            production: await productionAround(app, call, incident.behavior, incident.windowMinutes),
          });
      const replayNote = incident.replayNote !== '' ? incident.replayNote : view?.state === 'failed' ? `the replay run failed: ${view.error ?? 'unknown error'}` : null;
      const postmortem = await buildPostmortem(app.ctx.store, {
        incidentId: incident.incidentId,
        traceId: incident.traceId,
        spanId: incident.spanId,
        behavior: incident.behavior,
        windowMinutes: incident.windowMinutes,
        baselineMinutes: incident.baselineMinutes,
        replay,
        replayNote,
        behaviors: app.ctx.behaviors,
      });
      const format = request.query.format ?? 'md';
      if (format === 'json') return postmortem;
      if (format === 'html') return reply.type('text/html; charset=utf-8').send(renderHtml(postmortem));
      return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(postmortem));
    },
  );
}
