/**
 * Compressed bytes per row, measured on embedded chDB: per GenAI span in `otel_traces`
 * and per row of the tables the views fill (genai_calls, the per-minute counts).
 *
 *   npm exec -- node bench/storage.ts [--spans 200000] [--content]
 *
 * Spans carry what @behavior-rate/otel records on a chat call (ids, model, fingerprint,
 * finish reasons, tokens, sampling parameters, uncontrolled inputs, flags) with random
 * ids as in production; `--content` adds prompt and output messages (opt-in capture).
 * They go through the real pipeline (otel_traces → genai_calls_mv → per-minute views),
 * parts are merged (OPTIMIZE FINAL), and active parts are read from system.parts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installCallsView } from '../packages/sidecar/src/behaviors/calls-view.ts';
import { parseBehaviorConfig } from '../packages/sidecar/src/behaviors/config.ts';
import { migrate } from '../packages/sidecar/src/store/migrate.ts';
import { Store } from '../packages/sidecar/src/store/store.ts';

const { values } = parseArgs({ options: { spans: { type: 'string', default: '200000' }, content: { type: 'boolean', default: false } } });
const spans = Number(values.spans);
const dir = mkdtempSync(join(tmpdir(), 'br-bench-storage-'));
const store = new Store({ dataDir: dir });
await migrate(store);
await installCallsView(store, parseBehaviorConfig('', undefined));

// Spans are generated in SQL (faster than JSON over the client); a day's worth at a steady
// rate, 5 services, 4 models, a fingerprint change mid-day, 2% refusals, 5% truncations.
const start = Math.floor(Date.UTC(2026, 10, 20) / 1000);
// Content is pseudo-text: words drawn by hash from a 512-word vocabulary (about 9 bits a
// word, near what zstd leaves of English), 120 words in, 60 out, so it compresses like text
// rather than like a repeated template.
const words = (count: number, salt: string): string =>
  `arrayStringConcat(arrayMap(j -> vocabulary[1 + cityHash64(number, j, '${salt}') % 512], range(${count})), ' ')`;
const content = values.content
  ? `, 'gen_ai.input.messages', concat('[{"role":"user","parts":[{"type":"text","content":"', ${words(120, 'in')}, '"}]}]'),
     'gen_ai.output.messages', concat('[{"role":"assistant","parts":[{"type":"text","content":"', ${words(60, 'out')}, '"}],"finish_reason":"stop"}]')`
  : '';
const insertStarted = performance.now();
await store.command(
  'bench storage',
  `INSERT INTO otel_traces
   SELECT
     toDateTime64(${start} + number * ${86400 / spans}, 9) AS Timestamp,
     lower(hex(reinterpretAsFixedString(cityHash64(number, 'trace')))) || lower(hex(reinterpretAsFixedString(cityHash64(number, 'trace2')))) AS TraceId,
     lower(hex(reinterpretAsFixedString(cityHash64(number, 'span')))) AS SpanId,
     lower(hex(reinterpretAsFixedString(cityHash64(number, 'parent')))) AS ParentSpanId,
     '' AS TraceState,
     concat('chat ', model) AS SpanName,
     'Client' AS SpanKind,
     service AS ServiceName,
     map('service.name', service, 'service.version', '1.4.2', 'telemetry.sdk.language', 'nodejs', 'telemetry.sdk.name', 'opentelemetry',
         'telemetry.sdk.version', '2.1.0', 'host.name', concat('pod-', toString(number % 40))) AS ResourceAttributes,
     '@behavior-rate/otel' AS ScopeName,
     '0.1.0' AS ScopeVersion,
     map('gen_ai.operation.name', 'chat', 'gen_ai.provider.name', 'openai', 'gen_ai.request.model', model,
         'gen_ai.response.model', concat(model, '-2026-08-01'), 'gen_ai.response.id', concat('chatcmpl-', lower(hex(reinterpretAsFixedString(cityHash64(number, 'resp'))))),
         'openai.response.system_fingerprint', if(number < ${spans / 2}, 'fp_3f1a2b', 'fp_9c0d4e'),
         'gen_ai.response.finish_reasons', if(number % 20 = 0, '["length"]', '["stop"]'),
         'gen_ai.usage.input_tokens', toString(400 + cityHash64(number, 'in') % 1200), 'gen_ai.usage.output_tokens', toString(50 + cityHash64(number, 'out') % 400),
         'gen_ai.usage.cache_read.input_tokens', toString(cityHash64(number, 'cache') % 512),
         'gen_ai.request.temperature', '0.2', 'gen_ai.request.seed', '42', 'gen_ai.request.max_tokens', '512',
         'gen_ai.conversation.id', lower(hex(reinterpretAsFixedString(cityHash64(intDiv(number, 4), 'conv')))),
         'server.address', 'api.openai.com', 'server.port', '443',
         'retrieval.index.version', 'idx-2026-11-19', 'retrieval.freshness_lag_ms', toString(cityHash64(number, 'lag') % 600000),
         'tool.schema.hash', 'tools-5e2c', 'prompt.template.hash', concat('tpl-', toString(number % 6)), 'traffic.class', ['web', 'api', 'batch'][1 + number % 3],
         'behavior.flags', if(number % 50 = 0, '["refusal"]', '[]')${content}) AS SpanAttributes,
     toUInt64(300000000 + cityHash64(number, 'dur') % 4000000000) AS Duration,
     'Ok' AS StatusCode,
     '' AS StatusMessage,
     [] AS \`Events.Timestamp\`, [] AS \`Events.Name\`, [] AS \`Events.Attributes\`,
     [] AS \`Links.TraceId\`, [] AS \`Links.SpanId\`, [] AS \`Links.TraceState\`, [] AS \`Links.Attributes\`
   FROM (SELECT number, ['chat', 'search', 'support', 'agent', 'summarize'][1 + number % 5] AS service,
                arrayMap(i -> lower(substring(base64Encode(toString(cityHash64(i))), 1, 3 + i % 7)), range(512)) AS vocabulary,
                ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'o4-mini'][1 + intDiv(number, 5) % 4] AS model
         FROM numbers(${spans}))`,
);
const insertSeconds = (performance.now() - insertStarted) / 1000;
const tables = ['otel_traces', 'genai_calls', 'calls_by_minute', 'behavior_hits_by_minute', 'fingerprints_by_minute', 'traffic_mix_by_minute'];
for (const table of tables) await store.command('bench storage', `OPTIMIZE TABLE ${table} FINAL`);
const parts = await store.query<{ table: string; rows: string; compressed: string; uncompressed: string }>(
  'bench storage',
  `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed
   FROM system.parts WHERE active AND database = currentDatabase() AND table IN ({tables:Array(String)})
   GROUP BY table`,
  { tables },
);
const [{ minutes } = { minutes: '0' }] = await store.query<{ minutes: string }>('bench storage', 'SELECT uniqExact(minute) AS minutes FROM calls_by_minute');
console.log(`${spans} GenAI spans over 1 day (${(spans / 86400).toFixed(2)}/s), content capture ${values.content ? 'on' : 'off'}; ${minutes} minutes`);
// One INSERT … SELECT through otel_traces and every view below it, on this machine's cores.
console.log(`ingest through the whole pipeline: ${(spans / insertSeconds).toFixed(0)} spans/s (${insertSeconds.toFixed(1)} s, generation included)`);
console.log('table                      rows   compressed B/row  uncompressed B/row  rows/minute');
for (const table of tables) {
  const part = parts.find((p) => p.table === table);
  if (part === undefined) continue;
  const rows = Number(part.rows);
  console.log(
    `${table.padEnd(24)} ${String(rows).padStart(8)}  ${(Number(part.compressed) / rows).toFixed(1).padStart(16)}  ${(Number(part.uncompressed) / rows).toFixed(1).padStart(18)}  ${(rows / Number(minutes)).toFixed(1).padStart(11)}`,
  );
}
await store.close();
rmSync(dir, { recursive: true, force: true });
