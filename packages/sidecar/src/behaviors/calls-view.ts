import { renderForCluster, type ClusterOptions } from '../store/cluster.ts';
import type { Store } from '../store/store.ts';
import { StoreQueryError } from '../store/store.ts';
import { BehaviorConfigError, type BehaviorConfig, type BehaviorDefinition } from './config.ts';

/** Reads a span attribute the way the exporter stored it: every value as a string. */
const attr = (key: string): string => `SpanAttributes['${key}']`;

/** A JSON array attribute, or a single bare string, as Array(String). */
const stringArray = (key: string): string =>
  `if(isValidJSON(${attr(key)}), JSONExtract(${attr(key)}, 'Array(String)'), if(${attr(key)} != '', [${attr(key)}], []))`;

/**
 * One typed row per GenAI call, computed from an `otel_traces` row. The column names
 * are those of `genai_calls`, which is what SQL behaviors are written against.
 */
export const CALL_COLUMNS_SQL = `
    Timestamp AS timestamp,
    TraceId AS trace_id,
    SpanId AS span_id,
    ServiceName AS service,
    ${attr('gen_ai.operation.name')} AS operation,
    if(${attr('gen_ai.provider.name')} != '', ${attr('gen_ai.provider.name')}, ${attr('gen_ai.system')}) AS provider,
    ${attr('gen_ai.request.model')} AS request_model,
    ${attr('gen_ai.response.model')} AS response_model,
    if(${attr('openai.response.system_fingerprint')} != '', ${attr('openai.response.system_fingerprint')},
       ${attr('gen_ai.openai.response.system_fingerprint')}) AS system_fingerprint,
    if(system_fingerprint != '', system_fingerprint, response_model) AS fingerprint,
    ${stringArray('gen_ai.response.finish_reasons')} AS finish_reasons,
    toUInt32OrNull(${attr('gen_ai.usage.input_tokens')}) AS input_tokens,
    toUInt32OrNull(${attr('gen_ai.usage.output_tokens')}) AS output_tokens,
    toUInt32OrNull(${attr('gen_ai.usage.cache_read.input_tokens')}) AS cache_read_tokens,
    Duration AS duration_ns,
    StatusCode AS status,
    ${attr('error.type')} AS error_type,
    toInt64OrNull(${attr('gen_ai.request.seed')}) AS seed,
    toFloat64OrNull(${attr('gen_ai.request.temperature')}) AS temperature,
    ${attr('gen_ai.conversation.id')} AS conversation_id,
    ${attr('retrieval.index.version')} AS index_version,
    toInt64OrNull(${attr('retrieval.freshness_lag_ms')}) AS freshness_lag_ms,
    ${attr('tool.schema.hash')} AS tool_schema_hash,
    ${attr('prompt.template.hash')} AS prompt_template_hash,
    ${attr('traffic.class')} AS traffic_class,
    ${attr('canary.case_id')} AS canary_case_id,
    ${attr('replay.of')} AS replay_of,
    ${attr('replay.run_id')} AS replay_run_id,
    multiIf(canary_case_id != '', 'canary', replay_of != '', 'replay', 'live') AS source,
    ${attr('gen_ai.input.messages')} AS input_messages,
    ${attr('gen_ai.system_instructions')} AS system_instructions,
    ${attr('gen_ai.output.messages')} AS output_messages,
    arrayStringConcat(
      arrayMap(part -> JSONExtractString(part, 'content'),
        arrayFilter(part -> JSONExtractString(part, 'type') = 'text',
          arrayFlatten(arrayMap(message -> JSONExtractArrayRaw(message, 'parts'), JSONExtractArrayRaw(output_messages))))),
      '\\n') AS output_text,
    ${stringArray('behavior.flags')} AS flags`;

/** The genai_calls columns, in table order, that the view fills. */
const CALL_COLUMN_NAMES = [...CALL_COLUMNS_SQL.matchAll(/ AS ([a-z_]+)(?=,|$)/g)]
  .map((match) => match[1] as string)
  .filter((name) => name !== 'flags');

/** Built-in behaviors as expressions over the typed call columns. */
const BUILTIN_EXPRESSIONS: Record<string, string> = {
  truncated: `has(finish_reasons, 'length')`,
  content_filtered: `has(finish_reasons, 'content_filter')`,
  error: `status = 'Error'`,
  refusal: `has(flags, 'refusal') OR has(finish_reasons, 'refusal')`,
};

/** The typed calls, before behaviors are attached. `filter` narrows the source spans (re-evaluation). */
export function callsSelect(filter = ''): string {
  return `SELECT ${CALL_COLUMNS_SQL}
  FROM otel_traces
  WHERE ${attr('gen_ai.operation.name')} != ''${filter === '' ? '' : ` AND (${filter})`}`;
}

/** A behavior name as a SQL string literal; names are validated identifiers, so no escaping is needed. */
const literal = (name: string): string => `'${name}'`;

/** The full SELECT behind genai_calls_mv: typed columns plus the behavior set. */
export function renderCallsSelect(behaviors: readonly BehaviorDefinition[], filter = ''): string {
  const checks = [
    ...Object.entries(BUILTIN_EXPRESSIONS).map(([name, expression]) => `if(${expression}, ${literal(name)}, '')`),
    ...behaviors
      .filter((behavior) => behavior.where !== undefined)
      .map((behavior) => `if(coalesce(toBool(${behavior.where}), false), ${literal(behavior.name)}, '')`),
  ];
  return `SELECT
    ${CALL_COLUMN_NAMES.join(', ')},
    arraySort(arrayDistinct(arrayFilter(b -> b != '', arrayConcat(flags, [${checks.join(',\n      ')}])))) AS behaviors
  FROM (${callsSelect(filter)})`;
}

/**
 * Checks each SQL behavior by asking the engine to plan it against the very
 * columns the view evaluates it on, so a typo fails at start with the behavior's name.
 */
export async function validateBehaviors(store: Store, config: BehaviorConfig): Promise<void> {
  for (const behavior of config.behaviors) {
    if (behavior.where === undefined) continue;
    try {
      await store.query('validate behavior', `SELECT toBool(${behavior.where}) AS hit FROM (${callsSelect()}) LIMIT 0`);
    } catch (error) {
      const reason = error instanceof StoreQueryError ? firstLine(error.message) : (error as Error).message;
      throw new BehaviorConfigError(`${config.source ?? 'behaviors'}: behavior "${behavior.name}": where: ${reason}`);
    }
  }
}

function firstLine(message: string): string {
  return message.replace(/^validate behavior: /, '').split('\n')[0]?.replace(/\s*\(version [^)]*\)\s*$/, '') ?? message;
}

/**
 * Makes genai_calls_mv evaluate the configured behaviors. Rows already in genai_calls
 * keep the behaviors they were ingested with; `reevaluateDays` recomputes history.
 */
export async function installCallsView(store: Store, config: BehaviorConfig, cluster?: ClusterOptions): Promise<'created' | 'replaced' | 'unchanged'> {
  await validateBehaviors(store, config);
  const exists = (await store.query<{ n: number }>('calls view', `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'genai_calls_mv'`))[0]?.n;
  const current = (
    await store.query<{ config_hash: string }>('calls view', 'SELECT config_hash FROM behavior_config ORDER BY applied_at DESC LIMIT 1')
  )[0]?.config_hash;
  if (Number(exists) > 0 && current === config.hash) return 'unchanged';
  const select = renderCallsSelect(config.behaviors);
  if (Number(exists) > 0) {
    // MODIFY QUERY swaps the view's query in place, so no span arriving meanwhile is missed.
    await store.command('calls view', renderForCluster(`ALTER TABLE genai_calls_mv MODIFY QUERY ${select}`, cluster));
  } else {
    await store.command('calls view', renderForCluster(`CREATE MATERIALIZED VIEW IF NOT EXISTS genai_calls_mv TO genai_calls AS ${select}`, cluster));
  }
  await store.insert('calls view', 'behavior_config', [{ config_hash: config.hash, config_yaml: JSON.stringify(config.behaviors) }]);
  return Number(exists) > 0 ? 'replaced' : 'created';
}

/**
 * Recomputes genai_calls and the per-minute counts for whole UTC days from the raw
 * spans, under the current behavior definitions. Each day's partitions are dropped
 * and rebuilt; raw spans are never touched.
 */
export async function reevaluateDays(store: Store, config: BehaviorConfig, days: readonly string[]): Promise<void> {
  const select = renderCallsSelect(config.behaviors, 'toDate(Timestamp) = {day:Date}');
  for (const day of days) {
    for (const table of ['genai_calls', 'calls_by_minute', 'behavior_hits_by_minute']) {
      await store.command('reevaluate', `ALTER TABLE ${table} DROP PARTITION {day:String}`, { day });
    }
    // Deduplication would drop rebuilt blocks identical to the originals; it is for retries, not rebuilds.
    await store.command('reevaluate', `INSERT INTO genai_calls (${CALL_COLUMN_NAMES.join(', ')}, behaviors) ${select}`, { day }, { insert_deduplicate: 0 });
  }
}
