import type { BehaviorConfig } from '../behaviors/config.ts';
import type { Store } from '../store/store.ts';

/** What every route may use: the store and the behavior definitions loaded at start. */
export interface ApiContext {
  store: Store;
  behaviors: BehaviorConfig;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: ApiContext;
  }
}

/** A client mistake: answered 400 with a message that names the parameter. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  readonly statusCode = 400;
}

/** Parses an ISO 8601 timestamp parameter; the message names the parameter. */
export function parseTimestamp(name: string, value: string): Date {
  // Date.parse accepts much more than ISO 8601; require the ISO shape first.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw new BadRequestError(`${name}: expected an ISO 8601 timestamp such as 2026-01-31T12:00:00Z, got ${JSON.stringify(value)}`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new BadRequestError(`${name}: not a valid date: ${JSON.stringify(value)}`);
  return date;
}
