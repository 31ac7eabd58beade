import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimProvider, type SimProvider } from '../../sim-provider/src/index.ts';
import type { CanaryRunSummary } from '../src/canary/runner.ts';
import type { DriftAnswer } from '../src/drift/query.ts';
import { startTestServer, type TestServer } from './helpers.ts';

const BIN = fileURLToPath(new URL('../bin/behavior-rate.js', import.meta.url));

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, BEHAVIOR_RATE_CANARY_API_KEY: 'test-key', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const CANARIES = `
defaults: { model: sim-model }
cases:
  - id: refund
    request: { messages: [{ role: user, content: How long do refunds take? }] }
    expect: { match: seven days }
  - id: cut-off
    request: { messages: [{ role: user, content: make it long }] }
    expect: { must_not: [truncated] }
`;

describe('behavior-rate canary, drift and fingerprints', () => {
  let server: TestServer;
  let sim: SimProvider;
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-canary-cli-'));
  const file = join(dir, 'canaries.yaml');

  beforeAll(async () => {
    server = await startTestServer();
    sim = await startSimProvider({
      scenario: {
        systemFingerprint: 'fp_cli',
        rules: [
          { id: 'refund', match: 'refund', answers: [{ id: 'sla', weight: 1, text: 'Refunds take seven days.' }] },
          { id: 'long', match: 'make it long', answers: [{ id: 'cut', weight: 1, text: 'Refunds take', finishReason: 'length' }] },
        ],
      },
    });
    writeFileSync(file, CANARIES);
  });
  afterAll(async () => {
    await server?.dispose();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('canary run --once runs every case, prints the verdicts and sends the spans to the sidecar', async () => {
    const { code, stdout, stderr } = await cli(['canary', 'run', '--once', '--canaries', file, '--endpoint', `${sim.url}/v1`, '--otlp-url', server.otlpUrl]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^canary run \d{8}T\d{4}-[0-9a-f]{8}: 2 cases, 2 answered, 1 failed their expected outcome, 0 errors in \d+\.\d s$/);
    expect(lines.find((l) => l.startsWith('refund '))).toMatch(/^refund\s+pass\s+Refunds take seven days\.\s*$/);
    expect(lines.find((l) => l.startsWith('cut-off'))).toMatch(/^cut-off\s+fail\s+Refunds take\s+truncated\s+must_not:truncated$/);
    // Sent through the receiver, so already in the store: the canary's rows and its GenAI call rows.
    const rows = await server.store.query<{ case_id: string; expectation: string }>('test', 'SELECT case_id, expectation FROM canary_runs ORDER BY case_id');
    expect(rows).toEqual([{ case_id: 'cut-off', expectation: 'fail' }, { case_id: 'refund', expectation: 'pass' }]);
    const calls = await server.store.query<{ n: string }>('test', `SELECT count() AS n FROM genai_calls WHERE source = 'canary' AND has(behaviors, 'truncated')`);
    expect(Number(calls[0]?.n)).toBe(1);
    // The provider saw the configured request, with the key from the environment.
    expect(sim.requests.map((r) => (r.body as { model: string }).model)).toEqual(['sim-model', 'sim-model']);
  });

  it('--json prints the run summary for scripts', async () => {
    const { code, stdout } = await cli(['canary', 'run', '--once', '--json', '--canaries', file, '--endpoint', `${sim.url}/v1`, '--otlp-url', server.otlpUrl]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as CanaryRunSummary;
    expect(summary).toMatchObject({ cases: 2, answered: 2, failed: 1, errors: 0 });
  });

  it('fails loudly when the spans cannot reach a receiver', async () => {
    const { code, stderr } = await cli(['canary', 'run', '--once', '--canaries', file, '--endpoint', `${sim.url}/v1`, '--otlp-url', 'http://127.0.0.1:9']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/spans could not be sent to http:\/\/127\.0\.0\.1:9\/v1\/traces/);
  });

  it('canary check names the case and field of a configuration error', async () => {
    const ok = await cli(['canary', 'check', '--canaries', file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/canaries\.yaml: 2 cases, valid/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, CANARIES.replace('must_not: [truncated]', 'must_not: [trunkated]'));
    const broken = await cli(['canary', 'check', '--canaries', bad]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('bad.yaml: case "cut-off": expect.must_not: unknown behavior "trunkated"');
    const usage = await cli(['canary', 'fly']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown subcommand "fly"');
  });

  it('drift prints a readable table and --json the API answer', async () => {
    const { code, stdout } = await cli(['drift', '--since', '30m', '--url', server.apiUrl]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^canary drift .* UTC: 10m window vs trailing 24h, threshold 0\.2$/m);
    // Two runs a minute old: counted, but no baseline to score against yet.
    expect(stdout).toContain('no drift score yet');
    expect(stdout).toMatch(/^cut-off\s+\(—\)\s+[12]\s+0\s+0\s+[12]\/[12]/m);
    const json = await cli(['drift', '--since', '30m', '--json', '--url', server.apiUrl]);
    const answer = JSON.parse(json.stdout) as DriftAnswer;
    expect(answer.points).toHaveLength(30);
    expect(answer.cases.map((c) => c.case_id)).toEqual(['cut-off', 'refund']);
    const bad = await cli(['drift', '--since', 'forever', '--url', server.apiUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since: expected a duration');
  });

  it('fingerprints and traffic-mix print what the canary traffic showed', async () => {
    const { code, stdout } = await cli(['fingerprints', '--since', '1h', '--url', server.apiUrl]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sim-model: 4 calls$/m);
    expect(stdout).toMatch(/^fp_cli\s+sim-model\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+4\s+100\.0%$/m);
    expect(stdout).toContain('no backend change in the range');
    const mix = await cli(['traffic-mix', '--since', '1h', '--source', 'canary', '--url', server.apiUrl]);
    expect(mix.code).toBe(0);
    expect(mix.stdout).toMatch(/^traffic mix .* \(canary calls\): 5m windows vs trailing 24h$/m);
  });
});
