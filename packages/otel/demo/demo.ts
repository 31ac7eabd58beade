import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { resolveConfig } from '../../sidecar/src/config.ts';
import { startServer, type RunningServer } from '../../sidecar/src/server.ts';
import { startSimProvider, supportBotScenario, type SimProvider, type SimScenario } from '../../sim-provider/src/index.ts';
import { createSupportBot, CUSTOMER_QUESTIONS } from './support-bot.ts';
import { startDemoTelemetry } from './telemetry.ts';

export interface DemoOptions {
  /** Simulated minutes of traffic; the scenario's fingerprint change is at minute 30. Default 60. */
  simulatedMinutes?: number;
  /** Support-bot calls per simulated minute. Default 100. */
  callsPerMinute?: number;
  /** Calls in flight at once. Default 16. */
  concurrency?: number;
  /** Seed of the simulated provider. Default 7. */
  seed?: number;
  /** Embedded ClickHouse directory. Default: a fresh temporary directory. */
  dataDir?: string;
  /** Sidecar API and OTLP ports. Default 0 (any free port). */
  apiPort?: number;
  otlpPort?: number;
  log?: (line: string) => void;
}

/** One row of the closing table: a fingerprint's wrong-SLA rate, measured and configured. */
export interface FingerprintRate {
  fingerprint: string;
  calls: number;
  hits: number;
  rate: number | null;
  ciLow: number;
  ciHigh: number;
  /** The rate the simulated provider was configured with behind this fingerprint. */
  configured: number | undefined;
}

export interface DemoRun {
  sidecar: RunningServer;
  provider: SimProvider;
  sent: number;
  from: Date;
  to: Date;
  rates: FingerprintRate[];
  close(): Promise<void>;
}

/** The wrong-SLA probability behind each fingerprint of a scenario, from its weights and changes. */
export function configuredWrongSlaRates(scenario: SimScenario, ruleId = 'refund', answerId = 'wrong-sla'): Map<string, number> {
  const rule = scenario.rules.find((candidate) => candidate.id === ruleId);
  const rates = new Map<string, number>();
  if (rule === undefined) return rates;
  const weights = new Map(rule.answers.map((answer) => [answer.id, answer.weight]));
  const share = (): number => (weights.get(answerId) ?? 0) / [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  let fingerprint = scenario.systemFingerprint ?? 'fp_sim_0001';
  rates.set(fingerprint, share());
  for (const change of [...(scenario.changes ?? [])].sort((a, b) => a.atMinute - b.atMinute)) {
    for (const [answer, weight] of Object.entries(change.weights?.[ruleId] ?? {})) weights.set(answer, weight);
    fingerprint = change.systemFingerprint ?? fingerprint;
    rates.set(fingerprint, share());
  }
  return rates;
}

async function inPool(total: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

interface RatesAnswer {
  total: { calls: number };
  series: { group: string; points: { calls: number; hits: number; rate: number | null; ci_low: number; ci_high: number }[] }[];
}

async function fetchRates(apiUrl: string, from: Date, to: Date): Promise<RatesAnswer> {
  const query = new URLSearchParams({ behavior: 'wrong_sla', by: 'fingerprint', from: from.toISOString(), to: to.toISOString() });
  const response = await fetch(`${apiUrl}/api/v1/rates?${query}`);
  if (!response.ok) throw new Error(`rates API answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as RatesAnswer;
}

/**
 * The whole story on one machine: the sidecar on embedded chDB, the simulated provider, and the
 * instrumented support bot sending refund questions through the real openai SDK while simulated
 * time passes its fingerprint change. Returns the wrong-SLA rates by fingerprint, with intervals.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const log = options.log ?? (() => {});
  const minutes = options.simulatedMinutes ?? 60;
  const perMinute = options.callsPerMinute ?? 100;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'behavior-rate-demo-')));
  const sidecar = await startServer(resolveConfig({ dataDir, port: options.apiPort ?? 0, otlpPort: options.otlpPort ?? 0 }), log);
  log(`sidecar: API ${sidecar.apiUrl}, OTLP ${sidecar.otlpUrl}, data in ${dataDir}`);
  const simulatedStart = Date.now();
  let simulatedNow = simulatedStart;
  const provider = await startSimProvider({
    scenario: supportBotScenario,
    seed: options.seed ?? 7,
    // The demo drives simulated time itself: each batch of calls is one simulated minute.
    clock: { now: () => simulatedNow, startMs: simulatedStart },
    recordRequests: false,
  });
  log(`simulated provider: ${provider.url} (support-bot scenario: fingerprint change and wrong-SLA 0.4% → 3% at minute 30)`);
  const telemetry = startDemoTelemetry(sidecar.otlpUrl);
  const close = async (): Promise<void> => {
    await telemetry.shutdown();
    await provider.close();
    await sidecar.close();
  };
  try {
    const client = new OpenAI({ apiKey: 'sim', baseURL: `${provider.url}/v1`, maxRetries: 0 });
    let minute = 0;
    const bot = createSupportBot(client, () => ({ indexVersion: 'kb-2026-11-24', freshnessLagMs: 90_000 + minute * 1_000 }));
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    for (minute = 0; minute < minutes; minute++) {
      simulatedNow = simulatedStart + minute * 60_000;
      await inPool(perMinute, options.concurrency ?? 16, (i) => bot.answer(CUSTOMER_QUESTIONS[i % CUSTOMER_QUESTIONS.length]!, `conv-${minute}-${i}`));
      if ((minute + 1) % 10 === 0) log(`simulated minute ${minute + 1}/${minutes}: ${(minute + 1) * perMinute} calls`);
    }
    const sent = minutes * perMinute;
    await telemetry.flush();
    const to = new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000);
    // Ingest is asynchronous: wait until every call is counted.
    let answer = await fetchRates(sidecar.apiUrl, from, to);
    for (let waited = 0; answer.total.calls < sent && waited < 60_000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      answer = await fetchRates(sidecar.apiUrl, from, to);
    }
    const configured = configuredWrongSlaRates(supportBotScenario);
    const rates = answer.series.map((series): FingerprintRate => {
      const point = series.points[0] ?? { calls: 0, hits: 0, rate: null, ci_low: 0, ci_high: 1 };
      return {
        fingerprint: series.group,
        calls: point.calls,
        hits: point.hits,
        rate: point.rate,
        ciLow: point.ci_low,
        ciHigh: point.ci_high,
        configured: configured.get(series.group),
      };
    });
    return { sidecar, provider, sent, from, to, rates, close };
  } catch (error) {
    await close();
    throw error;
  }
}
