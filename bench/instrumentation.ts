// Added latency and CPU per LLM call: @behavior-rate/otel vs no instrumentation vs the official
// @opentelemetry/instrumentation-openai, same openai client code, same simulated provider
// (zero latency, in a child process so its CPU is not counted), same run, rounds interleaved.
//
//   npm exec -- node bench/instrumentation.ts
//
// Each mode gets its own copy of the openai module (require cache cleared between loads), so the
// three patch sets never stack. Both instrumentations export through the same BatchSpanProcessor
// to an exporter that drops spans; content capture is off for both (their default).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { context, metrics, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import type * as OpenAIModule from 'openai';
import { BehaviorRateInstrumentation } from '../packages/otel/src/index.ts';
import { describeMachine, median, progress } from './machine.ts';

const ROUNDS = Number(process.env.BENCH_OTEL_ROUNDS ?? 17);
const HTTP_CALLS = Number(process.env.BENCH_OTEL_HTTP_CALLS ?? 150);
const LOCAL_CALLS = Number(process.env.BENCH_OTEL_LOCAL_CALLS ?? 1500);

type Mode = 'none' | 'behavior-rate' | 'official';
type Workload = 'chat' | 'chat-stream';
type Client = InstanceType<typeof OpenAIModule.OpenAI>;

const require = createRequire(import.meta.url);

/** A fresh copy of the openai CommonJS module, independent of any other copy's prototypes. */
function freshOpenAI(): typeof OpenAIModule {
  for (const key of Object.keys(require.cache)) if (key.includes('/node_modules/openai/')) delete require.cache[key];
  return require('openai') as typeof OpenAIModule;
}

const droppingExporter: SpanExporter = {
  export(_spans: ReadableSpan[], done) {
    done({ code: 0 });
  },
  shutdown: async () => {},
};

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'lookup_order',
      description: 'Look up an order by id',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
    },
  },
];
const messages = [
  { role: 'system' as const, content: 'You are the support bot of Acme. Refunds are processed within seven days of approval.' },
  { role: 'user' as const, content: 'How long does my refund take?' },
];

async function call(client: Client, workload: Workload): Promise<void> {
  const body = { model: 'gpt-sim', messages, tools, temperature: 0.2, seed: 7, max_tokens: 200 };
  if (workload === 'chat') {
    await client.chat.completions.create(body);
    return;
  }
  const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
  for await (const _chunk of stream) {
    // consume
  }
}

interface Sample {
  wallUs: number;
  cpuUs: number;
}

async function round(client: Client, workload: Workload, calls: number): Promise<Sample> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < calls; i++) await call(client, workload);
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { wallUs: (wall * 1000) / calls, cpuUs: (cpu.user + cpu.system) / calls };
}

const modes: Mode[] = ['none', 'behavior-rate', 'official'];
const workloads: Workload[] = ['chat', 'chat-stream'];

/** Per workload and mode: the per-call cost, and the added cost as the median of paired round differences to `none`. */
type Report = Map<string, { wall: number; cpu: number; addedWall: number; addedCpu: number }>;

async function measure(label: string, clients: Record<Mode, Client>, calls: number): Promise<Report> {
  for (const mode of modes) for (const workload of workloads) await round(clients[mode], workload, Math.min(calls, 200));
  const samples = new Map<string, Sample[]>();
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 5 === 0) progress(`${label}: round ${r + 1}/${ROUNDS}`);
    // Rotate the order so that no mode always runs first (or right after GC-heavy work).
    const order = [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)];
    for (const workload of workloads) {
      for (const mode of order) {
        const key = `${workload}/${mode}`;
        samples.set(key, [...(samples.get(key) ?? []), await round(clients[mode], workload, calls)]);
      }
    }
  }
  const report: Report = new Map();
  for (const workload of workloads) {
    const base = samples.get(`${workload}/none`)!;
    for (const mode of modes) {
      const list = samples.get(`${workload}/${mode}`)!;
      report.set(`${workload}/${mode}`, {
        wall: median(list.map((s) => s.wallUs)),
        cpu: median(list.map((s) => s.cpuUs)),
        // Paired by round: both sides saw the same machine state, which removes most drift.
        addedWall: median(list.map((s, i) => s.wallUs - base[i]!.wallUs)),
        addedCpu: median(list.map((s, i) => s.cpuUs - base[i]!.cpuUs)),
      });
    }
  }
  return report;
}

function table(title: string, report: Report): string[] {
  const lines = [title, '', '| workload | mode | wall µs/call | CPU µs/call | added wall µs | added CPU µs |', '|---|---|---:|---:|---:|---:|'];
  for (const workload of workloads) {
    for (const mode of modes) {
      const row = report.get(`${workload}/${mode}`)!;
      const extra = mode === 'none' ? ['—', '—'] : [row.addedWall.toFixed(1), row.addedCpu.toFixed(1)];
      lines.push(`| ${workload} | ${mode} | ${row.wall.toFixed(1)} | ${row.cpu.toFixed(1)} | ${extra[0]} | ${extra[1]} |`);
    }
  }
  lines.push('');
  for (const workload of workloads) {
    const ours = report.get(`${workload}/behavior-rate`)!;
    const theirs = report.get(`${workload}/official`)!;
    lines.push(
      `- ${workload}: added CPU behavior-rate ${ours.addedCpu.toFixed(1)} µs vs official ${theirs.addedCpu.toFixed(1)} µs ` +
        `(ratio ${(ours.addedCpu / theirs.addedCpu).toFixed(2)}); added wall ratio ${(ours.addedWall / theirs.addedWall).toFixed(2)}`,
    );
  }
  return lines;
}

/** A fetch that answers every call with a body recorded from the simulated provider: the SDK runs in full, no socket. */
function recordedFetch(json: string, sse: string): typeof fetch {
  return (async (_input: unknown, init?: { body?: unknown }) => {
    const streamed = typeof init?.body === 'string' && init.body.includes('"stream":true');
    return new Response(streamed ? sse : json, { status: 200, headers: { 'content-type': streamed ? 'text/event-stream' : 'application/json' } });
  }) as typeof fetch;
}

async function main(): Promise<void> {
  const bin = fileURLToPath(new URL('../packages/sim-provider/bin/sim-provider.js', import.meta.url));
  const sim = spawn(process.execPath, [bin, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(sim.stdout, 'data')) as [Buffer];
  const url = /http:\/\/[\d.]+:\d+/.exec(line.toString())?.[0];
  if (url === undefined) throw new Error(`sim-provider did not print its URL: ${line.toString()}`);

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: droppingExporter })] });

  // Each mode's module copy is loaded before any instrumentation is enabled, so no module hook patches it.
  const copies: Record<Mode, typeof OpenAIModule> = { none: freshOpenAI(), 'behavior-rate': freshOpenAI(), official: freshOpenAI() };
  const behaviorRate = new BehaviorRateInstrumentation();
  behaviorRate.setTracerProvider(tracerProvider);
  behaviorRate.manuallyInstrument({ openai: copies['behavior-rate'] });
  const official = new OpenAIInstrumentation();
  official.setTracerProvider(tracerProvider as ApiTracerProvider);
  // 0.22.0's class fields reset its metric instruments after the base constructor created them,
  // so a streamed call with usage throws inside the app's iterator; setting a meter provider
  // re-creates them (no-op meters: no MeterProvider is registered).
  official.setMeterProvider(metrics.getMeterProvider());
  // The official instrumentation declares openai <7; its patch is applied directly to this v7 copy.
  for (const definition of official.getModuleDefinitions()) definition.patch?.(copies.official);

  const clientsFor = (options: { baseURL: string; fetch?: typeof fetch }): Record<Mode, Client> => ({
    none: new copies.none.OpenAI({ apiKey: 'x', maxRetries: 0, ...options }),
    'behavior-rate': new copies['behavior-rate'].OpenAI({ apiKey: 'x', maxRetries: 0, ...options }),
    official: new copies.official.OpenAI({ apiKey: 'x', maxRetries: 0, ...options }),
  });

  let http: Report;
  let local: Report;
  try {
    http = await measure('HTTP', clientsFor({ baseURL: `${url}/v1` }), HTTP_CALLS);
    const requestBody = JSON.stringify({ model: 'gpt-sim', messages, tools });
    const post = (body: string) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = await (await post(requestBody)).text();
    const sse = await (await post(requestBody.replace(/}$/, ',"stream":true,"stream_options":{"include_usage":true}}'))).text();
    local = await measure('in-process', clientsFor({ baseURL: 'http://sim.invalid/v1', fetch: recordedFetch(json, sse) }), LOCAL_CALLS);
  } finally {
    sim.kill('SIGTERM');
    await tracerProvider.shutdown();
  }

  const lines = [
    '## Instrumentation overhead per call',
    '',
    `${ROUNDS} interleaved rounds per mode; per-call figures are medians of round means; added = median over rounds of`,
    '(mode − none) in the same round. Same openai client code for all modes; both instrumentations with content capture',
    `off, spans to a BatchSpanProcessor with a dropping exporter. ${describeMachine()}.`,
    '',
    ...table(`### Over HTTP to the simulated provider (zero latency, separate process), ${HTTP_CALLS} sequential calls per round`, http),
    '',
    ...table(`### In-process: the same SDK with a fetch replaying recorded provider bodies, ${LOCAL_CALLS} calls per round (less noise)`, local),
    '',
    'Target: added CPU no worse than the official `@opentelemetry/instrumentation-openai`, and under 50 µs per call.',
    'The official instrumentation also records two metric histograms and log events (no-ops here: no meter or logger',
    'provider); behavior-rate records about twice the attributes, hashes tools and the system prompt, and classifies',
    'behaviors in-process.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
