import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../src/store/store.ts';

/** Counts the receiver's answers by status code, to prove which path a fault took. */
export function countStatuses(receiver: FastifyInstance): Map<number, number> {
  const statuses = new Map<number, number>();
  receiver.addHook('onResponse', (_request, reply, done) => {
    statuses.set(reply.statusCode, (statuses.get(reply.statusCode) ?? 0) + 1);
    done();
  });
  return statuses;
}

/** Polls `condition` every 20 ms for at most `timeoutMs`; throws with `what` when it never holds. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Exports each batch concurrently through the real OTLP/HTTP protobuf exporter, with its
 * built-in retries (429/502/503/504, honouring Retry-After), and resolves with each
 * batch's final result code.
 */
export async function exportBatches(otlpUrl: string, batches: ReadableSpan[][]): Promise<ExportResultCode[]> {
  const exporter = new ProtoExporter({ url: `${otlpUrl}/v1/traces`, timeoutMillis: 20_000 });
  try {
    return await Promise.all(batches.map((spans) => new Promise<ExportResultCode>((resolve) => exporter.export(spans, (result) => resolve(result.code)))));
  } finally {
    await exporter.shutdown();
  }
}

/** How many times each span id is stored in otel_traces. */
export async function storedSpanCounts(store: Store): Promise<Map<string, number>> {
  const rows = await store.query<{ SpanId: string; n: string | number }>('test', 'SELECT SpanId, count() AS n FROM otel_traces GROUP BY SpanId');
  return new Map(rows.map((row) => [row.SpanId, Number(row.n)]));
}

/** Span ids of `batches` that are not stored exactly once, and stored ids that were never sent. */
export async function exactlyOnceViolations(store: Store, batches: ReadableSpan[][]): Promise<{ missing: string[]; duplicated: string[]; unexpected: string[] }> {
  const stored = await storedSpanCounts(store);
  const sent = new Set(batches.flat().map((span) => span.spanContext().spanId));
  return {
    missing: [...sent].filter((id) => !stored.has(id)),
    duplicated: [...stored].filter(([, n]) => n !== 1).map(([id]) => id),
    unexpected: [...stored.keys()].filter((id) => !sent.has(id)),
  };
}

export { ExportResultCode };
