import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimProvider, type SimProvider } from '@behavior-rate/sim-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCanaryConfig } from '../src/canary/config.ts';
import { main } from '../src/cli/main.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { ORIGINAL_REQUEST, productionCall, refundScenario, WRONG_SLA_BEHAVIORS } from './replay-fixtures.ts';

/** Runs the CLI in-process and returns its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void err.push(parts.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  try {
    return { code: await main(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

describe('behavior-rate replay, postmortem and canary add', () => {
  let server: TestServer;
  let sim: SimProvider;
  let original: { traceId: string; spanId: string };
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-cli-'));

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: WRONG_SLA_BEHAVIORS });
    sim = await startSimProvider({ scenario: refundScenario(0.1), seed: 9 });
    original = await productionCall(server, sim.url);
  });
  afterAll(async () => {
    await sim?.close();
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replay prints the histogram, the rates and the verdict', async () => {
    const { code, out } = await cli(['replay', '--span', original.spanId, '-n', '40', '--endpoint', `${sim.url}/v1`, '--behavior', 'wrong_sla', '--url', server.apiUrl]);
    expect(code).toBe(0);
    const wrong = sim.requests.slice(-40).filter((r) => r.outcome.kind === 'answer' && r.outcome.answerId === 'wrong').length;
    expect(out).toContain('40 requested, 40 completed, 0 failed');
    expect(out).toMatch(new RegExp(`wrong_sla\\s+${wrong}\\s+40`));
    expect(out).toContain(wrong === 0 ? '0 of 40 replays showed wrong_sla' : `${wrong} of 40 replays showed wrong_sla`);
  });

  it('replay --json carries the report; bad usage exits 2 with the option named', async () => {
    const { code, out } = await cli(['replay', '--request', writeRequest(), '-n', '5', '--endpoint', `${sim.url}/v1`, '--json', '--url', server.apiUrl]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ state: 'done', report: { completed: 5, requested: 5 } });
    const missing = await cli(['replay', '--span', original.spanId, '--url', server.apiUrl]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('-n: required');
  });

  it('postmortem writes Markdown with every section to --out', async () => {
    const out = join(dir, 'pm.md');
    const { code } = await cli(['postmortem', '--trace', original.traceId, '--behavior', 'wrong_sla', '--replays', '20', '--endpoint', `${sim.url}/v1`, '--out', out, '--url', server.apiUrl]);
    expect(code).toBe(0);
    const md = readFileSync(out, 'utf8');
    for (const title of ['Summary', 'What the user saw', 'The behavior rate', 'What We Could Not Determine', 'What We Changed Anyway', 'Recurrence and monitoring']) expect(md).toContain(`## ${title}`);
    expect(md).toMatch(/of 20 replays showed wrong_sla/);
  });

  it('canary add --from-trace appends the rebuilt request as a valid canary case', async () => {
    const file = join(dir, 'canaries.yaml');
    writeFileSync(file, '# our canary set\ncases:\n  - id: shipping\n    request:\n      model: gpt-4o-mini\n      messages: [{ role: user, content: When does my order ship? }]\n');
    const { code, out } = await cli(['canary', 'add', '--from-trace', original.traceId, '--canaries', file, '--reference', 'Refunds are processed within seven days.', '--url', server.apiUrl]);
    expect(code).toBe(0);
    expect(out).toContain(`added case "incident-${original.traceId.slice(0, 12)}"`);
    const config = loadCanaryConfig(file);
    expect(config.cases.map((c) => c.id)).toEqual(['shipping', `incident-${original.traceId.slice(0, 12)}`]);
    expect(config.cases[1]?.request).toEqual(ORIGINAL_REQUEST);
    expect(readFileSync(file, 'utf8')).toContain('# our canary set');
    const again = await cli(['canary', 'add', '--from-trace', original.traceId, '--canaries', file, '--url', server.apiUrl]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('exists already');
  });

  function writeRequest(): string {
    const path = join(dir, 'request.json');
    writeFileSync(path, JSON.stringify(ORIGINAL_REQUEST));
    return path;
  }
});
