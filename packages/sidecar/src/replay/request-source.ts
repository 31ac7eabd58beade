import { createHash } from 'node:crypto';
import { requestFromSpanAttributes } from '@behavior-rate/otel';
import { findIncidentCall, type IncidentCall, type IncidentLookup } from '../investigation/incident-call.ts';
import type { Store } from '../store/store.ts';

/** The request a replay run sends, and where it came from. */
export interface ReplaySource {
  body: Record<string, unknown>;
  /** Request fields the original call had that the span did not carry (so the replay cannot resend them). */
  missing: string[];
  /** `replay.of`: the span id replayed, or `request:<hash>` for a request given directly. */
  replayOf: string;
  /** The incident call, when replaying a stored span. */
  call: IncidentCall | null;
}

/** The span's content cannot be replayed as is; the message lists the fields and how to supply them. */
export class ReplayRequestError extends Error {
  override readonly name = 'ReplayRequestError';
  readonly missing: string[];
  constructor(message: string, missing: string[]) {
    super(message);
    this.missing = missing;
  }
}

/** Without these the request cannot be sent at all. */
const ESSENTIAL = new Set(['model', 'messages']);

/** How to get each field into the next capture, or into this replay. */
export function howToSupply(missing: readonly string[]): string {
  const content = missing.some((field) => field === 'messages' || field === 'tools' || field.startsWith('messages['));
  const hints = [
    content
      ? 'content was not captured: enable it in the app (BehaviorRateInstrumentation({ captureContent: true }) or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true) so the next incident can be replayed'
      : '',
    missing.some((field) => !ESSENTIAL.has(field) && field !== 'tools' && !field.startsWith('messages['))
      ? 'fields the instrumentation does not record (listed in request.uncaptured_fields) cannot be rebuilt from any span'
      : '',
    'for this incident, write the chat-completions body to a file and run `behavior-rate replay --request FILE` (or POST /api/v1/replays with "request")',
  ].filter(Boolean);
  return hints.join('; ');
}

/**
 * The request to replay for a stored call: the body rebuilt from the span's attributes by
 * the instrumentation's own inverse. Refuses when fields are missing, unless `allowMissing`
 * and the essential ones (model, messages) are there: a replay that silently drops a field
 * varies something the user never varied.
 */
export async function requestFromStoredCall(store: Store, lookup: IncidentLookup, allowMissing: boolean): Promise<ReplaySource> {
  const call = await findIncidentCall(store, lookup);
  const rebuilt = requestFromSpanAttributes(call.attributes);
  const essential = rebuilt.missing.filter((field) => ESSENTIAL.has(field));
  if (essential.length > 0 || (rebuilt.missing.length > 0 && !allowMissing)) {
    throw new ReplayRequestError(
      `span ${call.spanId} cannot be replayed exactly: missing ${rebuilt.missing.join(', ')}. ${howToSupply(rebuilt.missing)}${
        essential.length === 0 ? '; or accept a replay without them with allowMissing (CLI --allow-missing)' : ''
      }`,
      rebuilt.missing,
    );
  }
  return { body: rebuilt.body, missing: rebuilt.missing, replayOf: call.spanId, call };
}

/** A request body given directly (a file): checked for the fields every chat-completions call needs. */
export function requestFromBody(body: unknown): ReplaySource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ReplayRequestError('request: expected a chat-completions request body (a JSON object)', []);
  const record = body as Record<string, unknown>;
  const missing = [...ESSENTIAL].filter((field) => record[field] === undefined);
  if (typeof record['model'] !== 'string' || !Array.isArray(record['messages'])) {
    throw new ReplayRequestError(`request: a chat-completions body needs "model" (string) and "messages" (array)${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}`, missing);
  }
  const hash = createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 16);
  return { body: record, missing: [], replayOf: `request:${hash}`, call: null };
}
