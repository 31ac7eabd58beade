import type { FastifyInstance } from 'fastify';
import { BadRequestError, parseTimestamp } from './context.ts';

interface CallsQuerystring {
  behavior: string;
  from: string;
  to: string;
  source?: 'live' | 'canary' | 'replay';
  limit?: number;
}

/** A call that showed a behavior: enough to recognise it and open it as an incident. */
export interface FlaggedCall {
  timestamp: string;
  trace_id: string;
  span_id: string;
  service: string;
  request_model: string;
  fingerprint: string;
  traffic_class: string;
  behaviors: string[];
  /** The answer's first 300 characters, when content was captured; empty otherwise. */
  output_preview: string;
}

/** Most calls one request lists: a list to pick from, not an export. */
const MAX_LIMIT = 200;

/**
 * GET /api/v1/calls: the most recent calls that showed a behavior, newest first — where
 * an on-call engineer picks the incident to investigate when nobody sent a trace id.
 */
export async function callRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: CallsQuerystring }>(
    '/api/v1/calls',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['behavior', 'from', 'to'],
          additionalProperties: false,
          properties: {
            behavior: { type: 'string', minLength: 1, maxLength: 128 },
            from: { type: 'string' },
            to: { type: 'string' },
            source: { type: 'string', enum: ['live', 'canary', 'replay'] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = parseTimestamp('from', q.from);
      const to = parseTimestamp('to', q.to);
      if (to <= from) throw new BadRequestError(`to: must be after from (${from.toISOString()})`);
      const rows = await app.ctx.store.query<FlaggedCall & { ts: string | number }>(
        'flagged calls',
        `SELECT toUnixTimestamp64Milli(timestamp) AS ts, trace_id, span_id, service, request_model, fingerprint, traffic_class,
                behaviors, substring(output_text, 1, 300) AS output_preview
         FROM genai_calls
         WHERE timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp < fromUnixTimestamp64Milli({to:Int64})
           AND source = {source:String} AND has(behaviors, {behavior:String})
         ORDER BY timestamp DESC
         LIMIT {limit:UInt32}`,
        { from: from.getTime(), to: to.getTime(), source: q.source ?? 'live', behavior: q.behavior, limit: q.limit ?? 20 },
      );
      return {
        behavior: q.behavior,
        calls: rows.map(({ ts, ...call }) => ({ ...call, timestamp: new Date(Number(ts)).toISOString() })),
      };
    },
  );
}
