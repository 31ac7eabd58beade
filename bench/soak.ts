// Soak: a real `behavior-rate serve` child fed OTLP protobuf at 50% of the maximum rate
// measured in the same run, for BENCH_SOAK_MINUTES (default 10). Samples the child's RSS
// and asks the rates API for answers while ingest runs: RSS must stay flat (no leak) and
// the API must keep answering 200 with a latency that is reported against idle.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatAttributes, makeSpans, protobufBody } from '../packages/sidecar/test/spans.ts';
import { describeMachine, median, progress } from './machine.ts';

/** Measured soak length in minutes (default 10; `npm run bench` runs a 2-minute one). */
const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
/** Seconds of ingest at the soak rate before the start RSS is taken: caches and first merges settle. */
const WARMUP_S = Math.min(60, Math.max(20, MINUTES * 6));
/** Seconds of flat-out ingest that measure the maximum rate. */
const MAX_PROBE_S = Number(process.env.BENCH_SOAK_PROBE_S ?? 20);
const SPANS_PER_BATCH = 512; // the OTel BatchSpanProcessor's default export size
const TEMPLATES = 8;
const PROBE_CONCURRENCY = 4;
/** At most this many batches in flight while pacing; a slower receiver shows as a lower achieved rate. */
const SOAK_CONCURRENCY = 4;
const RSS_EVERY_MS = 5_000;
const API_EVERY_MS = 2_000;
const IDLE_RUNS = 15;
/** RSS is flat if the linear fit grows by no more than this share of the start RSS over the window, or 16 MiB. */
const FLAT_TOLERANCE = 0.05;
const FLAT_FLOOR_MIB = 16;
const BIN = fileURLToPath(new URL('../packages/sidecar/bin/behavior-rate.js', import.meta.url));

/** A serialized batch plus where each span's trace id sits in it, so every send can be made unique. */
interface Template {
  body: Buffer;
  traceIdOffsets: number[];
}

/** Real SDK spans serialized once; sends rewrite the trace ids so the dedup token never repeats. */
async function templates(): Promise<Template[]> {
  const out: Template[] = [];
  for (let t = 0; t < TEMPLATES; t++) {
    const spans = await makeSpans(SPANS_PER_BATCH, (i) =>
      chatAttributes({
        'gen_ai.response.finish_reasons': [i % 97 === 0 ? 'length' : 'stop'],
        'openai.response.system_fingerprint': `fp_${(t + i) % 3}`,
        'gen_ai.usage.input_tokens': 800 + (i % 200),
        'gen_ai.usage.output_tokens': 120 + (i % 50),
        'traffic.class': ['refund', 'billing', 'shipping', 'other'][i % 4] as string,
        'behavior.flags': i % 250 === 0 ? ['malformed_tool_call'] : [],
      }),
    );
    const body = protobufBody(spans);
    const traceIdOffsets = spans.map((s) => {
      const at = body.indexOf(Buffer.from(s.spanContext().traceId, 'hex'));
      if (at < 0) throw new Error('trace id not found in the serialized batch');
      return at;
    });
    out.push({ body, traceIdOffsets });
  }
  return out;
}

let sequence = 0;
/** A batch no earlier send has carried: the first 6 bytes of every trace id are the send's sequence number. */
function uniqueBatch(all: Template[]): Buffer {
  const template = all[sequence % all.length] as Template;
  const body = Buffer.from(template.body);
  const seq = ++sequence;
  for (const at of template.traceIdOffsets) body.writeUIntBE(seq, at, 6);
  return body;
}

async function startSidecar(dataDir: string): Promise<{ child: ChildProcess; apiUrl: string; otlpUrl: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--otlp-port', '0'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const urls = await new Promise<{ apiUrl: string; otlpUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sidecar did not start in 60 s: ${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const otlpUrl = /OTLP\s+(http:\/\/\S+)\/v1\/traces/.exec(output)?.[1];
      const apiUrl = /API\s+(http:\/\/\S+)/.exec(output)?.[1];
      if (otlpUrl && apiUrl) {
        clearTimeout(timer);
        resolve({ apiUrl, otlpUrl });
      }
    });
    child.on('exit', (code) => reject(new Error(`sidecar exited ${code}: ${output}`)));
  });
  child.stdout?.resume(); // keep draining its log so it never blocks on a full pipe
  return { child, ...urls };
}

/** Stops the child: SIGTERM, then SIGKILL if it has not exited within 15 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface Counters {
  accepted: number;
  throttled: number;
}

/** One batch, retried on 429/503 (bounded) as the OTel exporter would. */
async function send(otlpUrl: string, body: Buffer, counters: Counters): Promise<void> {
  for (let attempt = 0; attempt <= 50; attempt++) {
    const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
    await response.arrayBuffer();
    if (response.status === 200) {
      counters.accepted += SPANS_PER_BATCH;
      return;
    }
    if (response.status !== 429 && response.status !== 503) throw new Error(`ingest answered ${response.status}`);
    counters.throttled += 1;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ingest kept refusing a batch after 50 retries');
}

/** Flat-out ingest for `seconds` with a fixed number of requests in flight: spans/s accepted. */
async function maxRate(otlpUrl: string, all: Template[], seconds: number, counters: Counters): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const before = counters.accepted;
  await Promise.all(
    Array.from({ length: PROBE_CONCURRENCY }, async () => {
      while (performance.now() < deadline) await send(otlpUrl, uniqueBatch(all), counters);
    }),
  );
  return (counters.accepted - before) / ((performance.now() - started) / 1000);
}

/** Paced ingest at `spansPerSecond` until `until` (ms, performance clock): batches start on a fixed schedule. */
async function paced(otlpUrl: string, all: Template[], spansPerSecond: number, until: number, counters: Counters): Promise<void> {
  const intervalMs = (SPANS_PER_BATCH / spansPerSecond) * 1000;
  const inFlight = new Set<Promise<void>>();
  let next = performance.now();
  while (next < until) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Behind schedule with the window full: wait for a slot rather than pile up requests.
    while (inFlight.size >= SOAK_CONCURRENCY) await Promise.race(inFlight);
    const p: Promise<void> = send(otlpUrl, uniqueBatch(all), counters).finally(() => inFlight.delete(p));
    inFlight.add(p);
    next += intervalMs;
  }
  await Promise.all(inFlight);
}

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** One rates API call: its latency and status. */
async function apiCall(url: string): Promise<{ ms: number; status: number }> {
  const began = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  return { ms: performance.now() - began, status: response.status };
}

const root = mkdtempSync(join(tmpdir(), 'behavior-rate-bench-soak-'));
const sidecar = await startSidecar(join(root, 'data'));
const pid = sidecar.child.pid as number;
try {
  progress(`serializing ${TEMPLATES} template batches × ${SPANS_PER_BATCH} GenAI spans`);
  const all = await templates();
  const counters: Counters = { accepted: 0, throttled: 0 };
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + (MINUTES + 30) * 60_000).toISOString();
  const ratesUrl = `${sidecar.apiUrl}/api/v1/rates?behavior=truncated&from=${from}&to=${to}&by=fingerprint&step=1m`;

  // Warm the receiver and engine (first parts, JIT), then measure the maximum briefly.
  await maxRate(sidecar.otlpUrl, all, 3, counters);
  progress(`measuring the maximum sustained ingest rate (${MAX_PROBE_S} s flat out, ${PROBE_CONCURRENCY} in flight)`);
  const max = await maxRate(sidecar.otlpUrl, all, MAX_PROBE_S, counters);
  const target = max / 2;
  const loadBefore = (await import('node:os')).loadavg();

  // Idle API latency: same data, nothing being ingested, after a pause for merges to settle.
  await new Promise((r) => setTimeout(r, 5_000));
  await apiCall(ratesUrl);
  const idleBefore: number[] = [];
  for (let i = 0; i < IDLE_RUNS; i++) idleBefore.push((await apiCall(ratesUrl)).ms);

  progress(`warm-up: ${WARMUP_S} s at ${target.toFixed(0)} spans/s (50% of ${max.toFixed(0)})`);
  await paced(sidecar.otlpUrl, all, target, performance.now() + WARMUP_S * 1000, counters);

  progress(`soak: ${MINUTES} min at ${target.toFixed(0)} spans/s; RSS every ${RSS_EVERY_MS / 1000} s, rates API every ${API_EVERY_MS / 1000} s`);
  const started = performance.now();
  const until = started + MINUTES * 60_000;
  const acceptedAtStart = counters.accepted;
  const throttledAtStart = counters.throttled;
  const rss: { x: number; y: number }[] = [{ x: 0, y: rssMiB(pid) }];
  const underLoad: { ms: number; status: number }[] = [];
  const sampler = (async () => {
    let nextRss = started + RSS_EVERY_MS;
    let nextApi = started + API_EVERY_MS;
    let lastReport = started;
    while (performance.now() < until) {
      const now = performance.now();
      if (now >= nextRss) {
        rss.push({ x: (now - started) / 3_600_000, y: rssMiB(pid) });
        nextRss += RSS_EVERY_MS;
      }
      if (now >= nextApi) {
        underLoad.push(await apiCall(ratesUrl));
        nextApi += API_EVERY_MS;
      }
      if (now - lastReport >= 60_000) {
        lastReport = now;
        progress(`${((now - started) / 60_000).toFixed(0)} min: RSS ${(rss.at(-1)?.y ?? 0).toFixed(0)} MiB, ${(counters.accepted - acceptedAtStart).toLocaleString('en')} spans accepted`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await paced(sidecar.otlpUrl, all, target, until, counters);
  await sampler;
  const elapsedS = (performance.now() - started) / 1000;
  rss.push({ x: elapsedS / 3600, y: rssMiB(pid) });
  const achieved = (counters.accepted - acceptedAtStart) / elapsedS;
  const loadAfter = (await import('node:os')).loadavg();

  await new Promise((r) => setTimeout(r, 5_000));
  const idleAfter: number[] = [];
  for (let i = 0; i < IDLE_RUNS; i++) idleAfter.push((await apiCall(ratesUrl)).ms);

  const startRss = rss[0]?.y as number;
  const endRss = rss.at(-1)?.y as number;
  const perHour = slope(rss);
  const fittedGrowth = perHour * (elapsedS / 3600);
  const allowed = Math.max(FLAT_TOLERANCE * startRss, FLAT_FLOOR_MIB);
  const flat = fittedGrowth <= allowed;
  const ok = underLoad.filter((r) => r.status === 200).length;
  const loadMs = underLoad.map((r) => r.ms);
  const idle = [...idleBefore, ...idleAfter];
  const peakRss = Math.max(...rss.map((p) => p.y));

  console.log(`## Soak: sustained ingest at 50% of the maximum, RSS and rates API under load

Machine: ${describeMachine()}
Load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}. One \`behavior-rate serve\` child, embedded chDB, OTLP/HTTP protobuf batches of ${SPANS_PER_BATCH} GenAI spans (each send unique), loopback.

| figure | result | limit / peer |
|---|---:|---:|
| maximum ingest (${MAX_PROBE_S} s flat out, ${PROBE_CONCURRENCY} in flight) | ${max.toFixed(0)} spans/s | — |
| soak rate achieved over ${MINUTES} min | ${achieved.toFixed(0)} spans/s | ${(achieved / max).toFixed(2)} of maximum (target 0.50) |
| spans accepted during the soak / 429-503 retries | ${(counters.accepted - acceptedAtStart).toLocaleString('en')} / ${counters.throttled - throttledAtStart} | — |
| RSS at start (after ${WARMUP_S} s warm-up) → end | ${startRss.toFixed(0)} → ${endRss.toFixed(0)} MiB (peak ${peakRss.toFixed(0)}) | — |
| RSS linear-fit slope (${rss.length} samples, every ${RSS_EVERY_MS / 1000} s) | ${perHour.toFixed(1)} MiB/hour | fitted growth ${fittedGrowth.toFixed(1)} MiB over the window, allowed ${allowed.toFixed(0)} MiB (max of ${FLAT_TOLERANCE * 100}% of start RSS, ${FLAT_FLOOR_MIB} MiB) |
| verdict | **${flat ? 'flat' : 'NOT flat'}** | — |
| rates API under load: 200s | ${ok} / ${underLoad.length} | all |
| rates API under load p50 / p95 / p99 / max | ${percentile(loadMs, 50).toFixed(1)} / ${percentile(loadMs, 95).toFixed(1)} / ${percentile(loadMs, 99).toFixed(1)} / ${Math.max(...loadMs).toFixed(1)} ms | idle p50 ${median(idle).toFixed(1)} ms, p95 ${percentile(idle, 95).toFixed(1)} ms (${idle.length} calls before and after) |
| rates API p50 under load / idle | ${(percentile(loadMs, 50) / median(idle)).toFixed(2)}× | 1× |

Query: \`GET /api/v1/rates?behavior=truncated&by=fingerprint&step=1m\` over the soak's window.
`);
  if (ok !== underLoad.length) process.exitCode = 1;
} finally {
  await stop(sidecar.child);
  rmSync(root, { recursive: true, force: true });
}
