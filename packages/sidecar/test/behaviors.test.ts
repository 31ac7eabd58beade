import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCallsView, reevaluateDays, validateBehaviors } from '../src/behaviors/calls-view.ts';
import { BehaviorConfigError, parseBehaviorConfig } from '../src/behaviors/config.ts';
import { Ingestor } from '../src/otlp/ingest.ts';
import { decodeProtobuf } from '../src/otlp/decode.ts';
import { migrate } from '../src/store/migrate.ts';
import { Store } from '../src/store/store.ts';
import { chatAttributes, makeSpans, protobufBody } from './spans.ts';

describe('behaviors.yaml parsing', () => {
  const refused: [string, string, RegExp][] = [
    ['not YAML', 'behaviors: [', /^b\.yaml: not valid YAML/],
    ['no list', 'behaviours: []', /^b\.yaml: expected a top-level "behaviors:" list$/],
    ['bad name', 'behaviors:\n  - name: Wrong-SLA\n    where: "1"', /^b\.yaml: behaviors\[0\]: name: expected a lower-case identifier/],
    ['duplicate', 'behaviors:\n  - name: a\n    where: "1"\n  - name: a\n    where: "0"', /^b\.yaml: behavior "a": name: declared twice$/],
    ['unknown field', 'behaviors:\n  - name: a\n    whre: "1"', /^b\.yaml: behaviors\[0\]: unknown field "whre"/],
    ['objective out of range', 'behaviors:\n  - name: a\n    objective: 4', /^b\.yaml: behavior "a": objective: expected a rate strictly between 0 and 1, got 4$/],
    ['two statements', 'behaviors:\n  - name: a\n    where: "1; DROP TABLE otel_traces"', /^b\.yaml: behavior "a": where: must be a single expression/],
    ['where on a built-in', 'behaviors:\n  - name: truncated\n    where: "1"', /^b\.yaml: behavior "truncated": where: "truncated" is built in/],
  ];
  it.each(refused)('refuses %s, naming the behavior and field', (_name, text, message) => {
    expect(() => parseBehaviorConfig(text, 'b.yaml')).toThrow(message);
  });

  it('accepts objectives for built-in and flag behaviors and keeps a stable hash', () => {
    const text = 'behaviors:\n  - name: truncated\n    objective: 0.01\n  - name: malformed_tool_call\n    objective: 0.001\n';
    const a = parseBehaviorConfig(text, 'b.yaml');
    expect(a.behaviors).toEqual([
      { name: 'truncated', description: 'The model stopped at the token limit (finish reason "length").', objective: 0.01 },
      { name: 'malformed_tool_call', description: '', objective: 0.001 },
    ]);
    expect(parseBehaviorConfig(text, 'other.yaml').hash).toBe(a.hash);
    expect(parseBehaviorConfig(text.replace('0.001', '0.002'), 'b.yaml').hash).not.toBe(a.hash);
  });
});

describe('SQL behaviors on the real engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-behaviors-'));
  let store: Store;
  const hits = async () =>
    Object.fromEntries(
      (await store.query<{ behavior: string; n: string | number }>('test', 'SELECT behavior, sum(hits) AS n FROM behavior_hits_by_minute GROUP BY behavior')).map((r) => [r.behavior, Number(r.n)]),
    );
  const text = (i: number) => (i % 5 === 0 ? 'Refunds take seven hours.' : i % 5 === 1 ? 'Refunds take 7 days.' : 'Refunds take seven days.');

  beforeAll(async () => {
    store = new Store({ dataDir: join(dir, 'data') });
    await migrate(store);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an expression the engine cannot plan, naming the behavior', async () => {
    const config = parseBehaviorConfig('behaviors:\n  - name: wrong_sla\n    where: "output_txt ILIKE \'%hours%\'"\n', 'b.yaml');
    const error = await validateBehaviors(store, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BehaviorConfigError);
    expect((error as Error).message).toMatch(/^b\.yaml: behavior "wrong_sla": where: .*output_txt/);
    expect((error as Error).message).not.toMatch(/\n/);
  });

  it('evaluates SQL behaviors at ingest and re-evaluates history when the file changes, losing nothing', async () => {
    const v1 = parseBehaviorConfig('behaviors:\n  - name: wrong_sla\n    where: "output_text ILIKE \'%hours%\'"\n', 'b.yaml');
    expect(await installCallsView(store, v1)).toBe('created');
    expect(await installCallsView(store, v1)).toBe('unchanged');
    const spans = await makeSpans(50, (i) =>
      chatAttributes({ 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text(i) }] }]) }),
    );
    await new Ingestor(store, 1, 10).write(decodeProtobuf(protobufBody(spans)));
    expect(await hits()).toEqual({ wrong_sla: 10 });

    // A new definition: applies to new calls at once, and to history after re-evaluation.
    const v2 = parseBehaviorConfig('behaviors:\n  - name: wrong_sla\n    where: "output_text ILIKE \'%hours%\'"\n  - name: digits\n    where: "match(output_text, \'[0-9]\')"\n', 'b.yaml');
    expect(await installCallsView(store, v2)).toBe('replaced');
    expect(await hits()).toEqual({ wrong_sla: 10 });
    const days = (await store.query<{ d: string }>('test', 'SELECT DISTINCT toString(toDate(Timestamp)) AS d FROM otel_traces')).map((r) => r.d);
    await reevaluateDays(store, v2, days);
    expect(await hits()).toEqual({ wrong_sla: 10, digits: 10 });
    const [counts] = await store.query<{ spans: number; calls: number; minute_calls: number }>(
      'test',
      'SELECT (SELECT count() FROM otel_traces) AS spans, (SELECT count() FROM genai_calls) AS calls, (SELECT sum(calls) FROM calls_by_minute) AS minute_calls',
    );
    expect([Number(counts?.spans), Number(counts?.calls), Number(counts?.minute_calls)]).toEqual([50, 50, 50]);
  });
});
