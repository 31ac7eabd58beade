import { renderForCluster, type ClusterOptions } from './cluster.ts';
import type { Store } from './store.ts';

/** genai_calls columns that hold captured content (prompts, instructions, outputs). */
export const CONTENT_COLUMNS = ['input_messages', 'system_instructions', 'output_messages', 'output_text'] as const;

/**
 * Span and event attribute keys that hold captured content in otel_traces: the current
 * GenAI semconv keys, and the legacy `gen_ai.prompt…`/`gen_ai.completion…` ones older
 * instrumentations write.
 */
export const CONTENT_ATTRIBUTE_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'] as const;
const CONTENT_KEY_PREFIXES = ['gen_ai.prompt', 'gen_ai.completion'] as const;

/** `days` comes from validated configuration, never from a request; it is still checked before it reaches SQL. */
function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new RangeError(`content retention: expected whole days 1-36500, got ${String(days)}`);
  return days;
}

const contentKeyTest = (variable: string) =>
  `(has(${JSON.stringify(CONTENT_ATTRIBUTE_KEYS).replace(/"/g, "'")}, ${variable}) OR ${CONTENT_KEY_PREFIXES.map((prefix) => `startsWith(${variable}, '${prefix}')`).join(' OR ')})`;

/**
 * Column TTLs on genai_calls' content columns: after `days` the engine resets them to ''
 * at its next merge (or `OPTIMIZE … FINAL`), while the row — the call's metadata and
 * behaviors — stays. Idempotent: a column already carrying this TTL is left alone, so a
 * restart does not rewrite the table. Returns the columns changed.
 */
export async function applyContentTtl(store: Store, days: number, cluster?: ClusterOptions): Promise<string[]> {
  checkDays(days);
  const [table] = await store.query<{ q: string }>('retention', 'SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {name:String}', { name: 'genai_calls' });
  const changed: string[] = [];
  for (const column of CONTENT_COLUMNS) {
    const current = new RegExp(`\`${column}\` [^,]*TTL toDateTime\\(timestamp\\) \\+ toIntervalDay\\(${days}\\)(,| |\\)|$)`);
    if (table !== undefined && current.test(table.q)) continue;
    await store.command('retention', renderForCluster(`ALTER TABLE genai_calls MODIFY COLUMN ${column} TTL toDateTime(timestamp) + toIntervalDay(${days})`, cluster));
    changed.push(column);
  }
  return changed;
}

/**
 * otel_traces keeps the exporter's schema, where content sits inside the attribute maps
 * next to metadata, and a column TTL would drop the whole map. So content keys are
 * removed by a mutation on spans older than `days`, and the rest of each span stays.
 * A cheap count first (partition pruning on Timestamp, the map-key bloom filter) means
 * no mutation is queued when nothing is due. `lookbackDays` limits the look to spans that
 * expired within that many days (daily runs need only the newest; partitions by day make
 * it cheap); unset, every expired span is checked. Returns the number of spans scrubbed.
 */
export async function scrubExpiredContent(store: Store, days: number, cluster?: ClusterOptions, options: { wait?: boolean; lookbackDays?: number } = {}): Promise<number> {
  checkDays(days);
  const since = options.lookbackDays === undefined ? '' : `AND Timestamp >= now64(9) - toIntervalDay(${days + checkDays(options.lookbackDays)})`;
  const due = `Timestamp < now64(9) - toIntervalDay(${days}) ${since}
      AND (arrayExists(k -> ${contentKeyTest('k')}, mapKeys(SpanAttributes))
        OR arrayExists(m -> arrayExists(k -> ${contentKeyTest('k')}, mapKeys(m)), \`Events.Attributes\`))`;
  const [row] = await store.query<{ n: string | number }>('retention', `SELECT count() AS n FROM otel_traces WHERE ${due}`);
  const spans = Number(row?.n ?? 0);
  if (spans === 0) return 0;
  await store.command(
    'retention',
    renderForCluster(
      `ALTER TABLE otel_traces UPDATE
        SpanAttributes = mapFilter((k, v) -> NOT ${contentKeyTest('k')}, SpanAttributes),
        \`Events.Attributes\` = arrayMap(m -> mapFilter((k, v) -> NOT ${contentKeyTest('k')}, m), \`Events.Attributes\`)
      WHERE ${due}`,
      cluster,
    ),
    {},
    options.wait === true ? { mutations_sync: '2' } : {},
  );
  return spans;
}

/**
 * Scrubs expired content from otel_traces now (all of it) and then every `intervalMs`
 * (default a day; the TTL is in days, so nothing stays more than a day past it), looking
 * back over the last three days of expiry, so a missed run is caught up. Failures are
 * reported through `onError` and retried at the next tick: retention must never stop ingest.
 */
export function startContentScrubber(store: Store, days: number, options: { intervalMs?: number; cluster?: ClusterOptions; onError?: (error: unknown) => void } = {}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = (lookback: { lookbackDays?: number }) => {
    running = scrubExpiredContent(store, days, options.cluster, lookback).catch((error: unknown) => options.onError?.(error));
  };
  tick({});
  const timer = setInterval(() => tick({ lookbackDays: 3 }), options.intervalMs ?? 86_400_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
