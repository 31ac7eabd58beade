import { rate } from '@behavior-rate/stats';
import { describe, expect, it } from 'vitest';
import { normaliseOutput } from '../src/replay/normalise.ts';
import { replayVerdict } from '../src/replay/verdict.ts';

const base = { behavior: 'wrong_sla', failed: 0, incidentShowed: true, production: null, incidentFingerprint: 'fp_a', replayFingerprints: ['fp_a'] };

describe('the replay verdict, in plain language', () => {
  it('0 of 100: not reproduced, with the exact one-sided bound, and consistent with one occurrence', () => {
    const verdict = replayVerdict({ ...base, replays: rate(0, 100) });
    expect(verdict.kind).toBe('not_reproduced');
    expect(verdict.upperBound).toBeCloseTo(1 - 0.05 ** (1 / 100), 12);
    expect(verdict.text).toBe('0 of 100 replays showed wrong_sla: the replays did not reproduce the report. On this input the rate is below 3.0% (one-sided 95% upper bound); a single occurrence in production is consistent with a rate this low.');
  });

  it('0 of 100 against a production rate the bound excludes: says the conditions differed', () => {
    const verdict = replayVerdict({ ...base, replays: rate(0, 100), production: rate(60, 1000) });
    expect(verdict.consistentWithProduction).toBe(false);
    expect(verdict.text).toContain('above what the replays allow');
  });

  it('k of n: reproduced, with the interval, compared with production by a two-proportion test', () => {
    const verdict = replayVerdict({ ...base, replays: rate(5, 100), production: rate(30, 1000), failed: 3 });
    expect(verdict.kind).toBe('reproduced');
    expect(verdict.consistentWithProduction).toBe(true);
    expect(verdict.text).toMatch(/^5 of 100 replays showed wrong_sla: 5\.0% \(95% CI 2\.2%–11\.2%\)\. The report is reproduced/);
    expect(verdict.text).toContain('3 replays failed and are not in these counts');
  });

  it('states absences: no replay completed, no fingerprint, another backend', () => {
    expect(replayVerdict({ ...base, replays: rate(0, 0), failed: 10 }).text).toBe('No replay completed (10 failed), so there is no replay estimate of the wrong_sla rate on this input.');
    expect(replayVerdict({ ...base, replays: rate(1, 50), incidentFingerprint: null }).text).toContain('carries no fingerprint');
    expect(replayVerdict({ ...base, replays: rate(1, 50), replayFingerprints: ['fp_b'] }).text).toContain('The replays ran on fp_b, the incident on fp_a');
    for (const k of [0, 3]) expect(replayVerdict({ ...base, replays: rate(k, 100) }).text).not.toMatch(/likely|transient|ongoing|probably/i);
  });
});

describe('output normalising', () => {
  it('folds whitespace and case only: "seven days" and "seven hours" stay apart', () => {
    const a = normaliseOutput('', '  Refunds take SEVEN days.\n');
    const b = normaliseOutput('', 'refunds take seven   days.');
    const c = normaliseOutput('', 'Refunds take seven hours.');
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });

  it('reads structured output: text, refusals and tool calls', () => {
    const messages = JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: '1', name: 'lookup_order', arguments: '{"order_id": ' }, { type: 'refusal', content: 'No.' }] }]);
    expect(normaliseOutput(messages, '').label).toBe('[tool call] lookup_order({"order_id": ) [refusal] No.');
    expect(normaliseOutput('', '')).toEqual({ key: '', label: '(no output captured)' });
  });
});
