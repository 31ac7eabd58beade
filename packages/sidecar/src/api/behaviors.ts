import type { FastifyInstance } from 'fastify';
import { reevaluateDays } from '../behaviors/calls-view.ts';
import { BUILTIN_BEHAVIORS } from '../behaviors/config.ts';
import { observedBehaviors } from '../rates/query.ts';
import { BadRequestError, parseTimestamp } from './context.ts';

export interface BehaviorListing {
  name: string;
  description: string;
  /** builtin: derived from semconv fields; sql: a `where` in behaviors.yaml; flag: reported by the app in `behavior.flags`. */
  kind: 'builtin' | 'sql' | 'flag';
  where: string | null;
  objective: number | null;
  /** Whether any call has shown it yet. */
  observed: boolean;
}

/** Every behavior a rate can be asked for: built-ins, configured ones, and flags seen in the data. */
export async function listBehaviors(app: FastifyInstance): Promise<BehaviorListing[]> {
  const observed = new Set(await observedBehaviors(app.ctx.store));
  const listing = new Map<string, BehaviorListing>();
  for (const builtin of BUILTIN_BEHAVIORS) {
    listing.set(builtin.name, { name: builtin.name, description: builtin.description, kind: 'builtin', where: null, objective: null, observed: false });
  }
  for (const behavior of app.ctx.behaviors.behaviors) {
    const builtin = listing.get(behavior.name);
    listing.set(behavior.name, {
      name: behavior.name,
      description: behavior.description,
      kind: builtin?.kind ?? (behavior.where === undefined ? 'flag' : 'sql'),
      where: behavior.where ?? null,
      objective: behavior.objective ?? null,
      observed: false,
    });
  }
  for (const name of observed) {
    if (!listing.has(name)) listing.set(name, { name, description: '', kind: 'flag', where: null, objective: null, observed: true });
  }
  return [...listing.values()].map((entry) => ({ ...entry, observed: observed.has(entry.name) })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Re-evaluation rebuilds whole days; more than this in one request is refused so a typo cannot rebuild years. */
const MAX_REEVALUATE_DAYS = 400;

export async function behaviorRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/behaviors', async () => ({ behaviors: await listBehaviors(app) }));

  app.post<{ Body: { from: string; to: string } }>(
    '/api/v1/behaviors/reevaluate',
    {
      schema: {
        body: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: { from: { type: 'string' }, to: { type: 'string' } },
        },
      },
    },
    async (request) => {
      const from = parseTimestamp('from', request.body.from);
      const to = parseTimestamp('to', request.body.to);
      if (to < from) throw new BadRequestError(`to: must not be before from (${from.toISOString()})`);
      const days = utcDays(from, to);
      if (days.length > MAX_REEVALUATE_DAYS) throw new BadRequestError(`to: at most ${MAX_REEVALUATE_DAYS} days per request, got ${days.length}`);
      await reevaluateDays(app.ctx.store, app.ctx.behaviors, days);
      return { reevaluated_days: days, config_hash: app.ctx.behaviors.hash };
    },
  );
}

/** Every UTC day touched by [from, to], as YYYY-MM-DD. */
function utcDays(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t <= to.getTime(); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
