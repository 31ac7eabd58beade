import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wilson } from '@behavior-rate/stats';
import { percent } from '../src/cli/format.ts';
import type { RateAnswer } from '../src/rates/query.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { chatAttributes, makeSpans, postTraces, protobufBody } from './spans.ts';

const BIN = fileURLToPath(new URL('../bin/behavior-rate.js', import.meta.url));

async function cli(args: string[], url?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, BEHAVIOR_RATE_URL: url ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('behavior-rate rates', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const spans = await makeSpans(40, (i) =>
      chatAttributes({ 'openai.response.system_fingerprint': i < 10 ? 'fp_old' : 'fp_new', 'gen_ai.response.finish_reasons': [i % 4 === 0 ? 'length' : 'stop'] }),
    );
    expect((await postTraces(server.otlpUrl, protobufBody(spans), 'application/x-protobuf')).status).toBe(200);
  });
  afterAll(async () => server.dispose());

  it('prints a readable table with counts, rate and interval per group', async () => {
    const { code, stdout } = await cli(['rates', '--behavior', 'truncated', '--since', '1h', '--by', 'fingerprint'], server.apiUrl);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^truncated \(live traffic\) .* by fingerprint$/);
    expect(lines[1]).toMatch(/fingerprint\s+hits\s+calls\s+rate\s+95% CI/);
    // fp_old: i = 0, 4, 8 are truncated of 10; fp_new: 7 of 30.
    expect(lines.find((l) => l.startsWith('fp_old'))).toMatch(/^fp_old\s+3\s+10\s+30\.0%\s+\d+\.\d% – \d+\.\d%$/);
    expect(lines.find((l) => l.startsWith('fp_new'))).toMatch(/^fp_new\s+7\s+30\s+23\.3%/);
    const { low, high } = wilson(10, 40);
    expect(lines.at(-1)).toMatch(new RegExp(`^total\\s+10\\s+40\\s+25\\.0%\\s+${percent(low)} – ${percent(high)}$`));
  });

  it('prints the API answer with --json', async () => {
    const { code, stdout } = await cli(['rates', '--behavior', 'truncated', '--json'], server.apiUrl);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as RateAnswer;
    expect(answer.total).toMatchObject({ calls: 40, hits: 10, rate: 0.25 });
  });

  it('exits 2 with the usage when --behavior is missing', async () => {
    const { code, stderr } = await cli(['rates', '--since', '1h'], server.apiUrl);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^behavior-rate rates: --behavior: required/);
    expect(stderr).toMatch(/behavior-rate rates --behavior NAME/);
  });

  it('exits 2 on a malformed duration', async () => {
    const { code, stderr } = await cli(['rates', '--behavior', 'truncated', '--since', 'yesterday'], server.apiUrl);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--since: expected a duration like 30m, 6h or 7d, got "yesterday"/);
  });

  it('exits 1 with the server message for an unknown behavior', async () => {
    const { code, stderr } = await cli(['rates', '--behavior', 'wrong_slaa'], server.apiUrl);
    expect(code).toBe(1);
    expect(stderr).toMatch(/400 from \/api\/v1\/rates: behavior: unknown behavior "wrong_slaa"; known: /);
  });

  it('exits 1 and says how to fix it when no sidecar answers', async () => {
    const { code, stderr } = await cli(['rates', '--behavior', 'truncated', '--url', 'http://127.0.0.1:9']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach the sidecar at http:\/\/127\.0\.0\.1:9 .*is `behavior-rate serve` running\?/);
  });
});
