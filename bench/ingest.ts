// OTLP ingest throughput into embedded chDB, as a ratio to a raw JSONEachRow insert of
// the same rows into the same table (with the same views attached) in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { installCallsView } from '../packages/sidecar/src/behaviors/calls-view.ts';
import { parseBehaviorConfig } from '../packages/sidecar/src/behaviors/config.ts';
import { decodeProtobuf } from '../packages/sidecar/src/otlp/decode.ts';
import { toTraceRow } from '../packages/sidecar/src/otlp/rows.ts';
import { migrate } from '../packages/sidecar/src/store/migrate.ts';
import { Store } from '../packages/sidecar/src/store/store.ts';
import { chatAttributes, jsonBody, makeSpans, protobufBody } from '../packages/sidecar/test/spans.ts';
import { describeMachine, progress } from './machine.ts';

const BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 120);
const SPANS_PER_BATCH = 512; // the OTel BatchSpanProcessor's default export size
const CONCURRENCY = 4;
const BIN = fileURLToPath(new URL('../packages/sidecar/bin/behavior-rate.js', import.meta.url));

/** Attributes of a typical instrumented call without content capture (~1 KB per span on the wire). */
function genaiAttributes(i: number) {
  return chatAttributes({
    'openai.response.system_fingerprint': `fp_${i % 3}`,
    'gen_ai.response.id': `chatcmpl-${i}`,
    'gen_ai.response.finish_reasons': [i % 97 === 0 ? 'length' : 'stop'],
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.top_p': 1,
    'gen_ai.request.seed': 42,
    'gen_ai.request.max_tokens': 512,
    'gen_ai.usage.input_tokens': 800 + (i % 200),
    'gen_ai.usage.output_tokens': 120 + (i % 50),
    'gen_ai.usage.cache_read.input_tokens': 512,
    'gen_ai.conversation.id': `conv-${i % 5000}`,
    'server.address': 'api.openai.com',
    'server.port': 443,
    'retrieval.index.version': 'kb-2026-11-20',
    'retrieval.freshness_lag_ms': 3_600_000 + i,
    'tool.schema.hash': 'sha256:4f1c0a9e',
    'prompt.template.hash': 'sha256:77be12d0',
    'traffic.class': ['refund', 'billing', 'shipping', 'other'][i % 4] as string,
    'behavior.flags': i % 250 === 0 ? ['malformed_tool_call'] : [],
  });
}

async function batches(format: 'protobuf' | 'json', count = BATCHES): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const spans = await makeSpans(SPANS_PER_BATCH, (i) => genaiAttributes(b * SPANS_PER_BATCH + i));
    bodies.push(format === 'protobuf' ? protobufBody(spans) : jsonBody(spans));
  }
  return bodies;
}

async function startSidecar(dataDir: string) {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--otlp-port', '0'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const otlpUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /OTLP\s+(http:\/\/\S+)\/v1\/traces/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.on('exit', (code) => reject(new Error(`sidecar exited ${code}: ${output}`)));
  });
  return { child, otlpUrl };
}

async function sendAll(otlpUrl: string, bodies: Buffer[], contentType: string): Promise<number> {
  const limit = pLimit(CONCURRENCY);
  const started = performance.now();
  await Promise.all(
    bodies.map((body) =>
      limit(async () => {
        for (let attempt = 0; ; attempt++) {
          const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': contentType } });
          await response.arrayBuffer();
          if (response.status === 200) return;
          if (response.status !== 429 || attempt > 50) throw new Error(`ingest answered ${response.status}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    ),
  );
  return (bodies.length * SPANS_PER_BATCH) / ((performance.now() - started) / 1000);
}

function peakRssMiB(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function rawInsertRate(dataDir: string, bodies: Buffer[]): Promise<number> {
  const store = new Store({ dataDir });
  try {
    await migrate(store);
    await installCallsView(store, parseBehaviorConfig('', undefined));
    const rowBatches = bodies.map((body) => decodeProtobuf(body).spans.map(toTraceRow));
    const limit = pLimit(CONCURRENCY);
    const started = performance.now();
    await Promise.all(rowBatches.map((rows) => limit(() => store.insert('bench raw', 'otel_traces', rows))));
    return (rowBatches.length * SPANS_PER_BATCH) / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
  }
}

const root = mkdtempSync(join(tmpdir(), 'behavior-rate-bench-ingest-'));
try {
  progress(`building ${BATCHES} batches × ${SPANS_PER_BATCH} GenAI spans per format`);
  const protobuf = await batches('protobuf');
  const json = await batches('json');
  const bytesPerSpan = protobuf.reduce((sum, b) => sum + b.length, 0) / (BATCHES * SPANS_PER_BATCH);

  progress('OTLP ingest through the sidecar (protobuf, then JSON)');
  const sidecar = await startSidecar(join(root, 'sidecar'));
  // Warm-up: the first inserts create tables' first parts and JIT-compile the decoders.
  await sendAll(sidecar.otlpUrl, await batches('protobuf', 10), 'application/x-protobuf');
  const protobufRate = await sendAll(sidecar.otlpUrl, protobuf, 'application/x-protobuf');
  const jsonRate = await sendAll(sidecar.otlpUrl, json, 'application/json');
  const rss = peakRssMiB(sidecar.child.pid as number);
  sidecar.child.kill('SIGTERM');

  progress('raw JSONEachRow insert of the same rows in this process');
  const rawRate = await rawInsertRate(join(root, 'raw'), protobuf);

  console.log(`## OTLP ingest vs raw chDB insert

Machine: ${describeMachine()}
${BATCHES} batches × ${SPANS_PER_BATCH} GenAI spans (${bytesPerSpan.toFixed(0)} protobuf bytes/span), ${CONCURRENCY} concurrent requests, embedded chDB, all views attached.

| path | spans/s | ratio to raw insert (target ≥ 0.5) |
|---|---:|---:|
| OTLP/HTTP protobuf → sidecar | ${protobufRate.toFixed(0)} | ${(protobufRate / rawRate).toFixed(2)} |
| OTLP/HTTP JSON → sidecar | ${jsonRate.toFixed(0)} | ${(jsonRate / rawRate).toFixed(2)} |
| raw JSONEachRow insert (engine limit) | ${rawRate.toFixed(0)} | 1.00 |

Peak RSS of the sidecar during ingest: ${rss.toFixed(0)} MiB.
`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
