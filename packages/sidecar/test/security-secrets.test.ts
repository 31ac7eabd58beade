import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSpans, postTraces, protobufBody } from './spans.ts';

const BIN = fileURLToPath(new URL('../bin/behavior-rate.js', import.meta.url));

const API_TOKEN = 'api-secret-4f9d2c71e8';
const OTLP_TOKEN = 'otlp-secret-b03a5e96d1';
const PASSWORD_FLAG = 'pw-flag-secret-7c1e';
const PASSWORD_ENV = 'pw-env-secret-93aa';
const URL_PASSWORD = 'pw-url-secret-d55f';
const CANARY_KEY = 'sk-canary-secret-118e';
const SECRETS = [API_TOKEN, OTLP_TOKEN, PASSWORD_FLAG, PASSWORD_ENV, URL_PASSWORD, CANARY_KEY];

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function serve(cwd: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--otlp-port', '0', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve(code);
  }));
  return { child, output: () => output, exited };
}

async function announced(run: Run): Promise<{ apiUrl: string; otlpUrl: string }> {
  for (let i = 0; i < 300; i++) {
    const api = /API\s+(http:\/\/\S+)/.exec(run.output())?.[1];
    const otlp = /OTLP\s+(http:\/\/\S+)\/v1\/traces/.exec(run.output())?.[1];
    if (api !== undefined && otlp !== undefined) return { apiUrl: api, otlpUrl: otlp };
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sidecar did not start:\n${run.output()}`);
}

const leaked = (text: string) => SECRETS.filter((secret) => text.includes(secret));

describe('secrets never reach the log', () => {
  const root = mkdtempSync(join(tmpdir(), 'behavior-rate-secrets-'));
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serve with API and OTLP tokens: accepted, refused and failed requests log no token', async () => {
    const tokenFile = join(root, 'otlp-tokens');
    writeFileSync(tokenFile, `# ingest\n${OTLP_TOKEN}\n`);
    const run = serve(root, ['--data-dir', join(root, 'data'), '--otlp-token-file', tokenFile], { BEHAVIOR_RATE_API_TOKENS: API_TOKEN, BEHAVIOR_RATE_CANARY_API_KEY: CANARY_KEY });
    try {
      const { apiUrl, otlpUrl } = await announced(run);
      const body = protobufBody(await makeSpans(3));
      const statuses = [
        (await fetch(`${apiUrl}/api/v1/behaviors`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status,
        (await fetch(`${apiUrl}/api/v1/behaviors`, { headers: { authorization: `Bearer ${API_TOKEN}x` } })).status,
        (await fetch(`${apiUrl}/api/v1/rates?behavior=nope&from=x&to=y`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status,
        (await postTraces(otlpUrl, body, 'application/x-protobuf', { authorization: `Bearer ${OTLP_TOKEN}` })).status,
        (await postTraces(otlpUrl, body, 'application/x-protobuf', { authorization: `Bearer ${API_TOKEN}` })).status,
        (await postTraces(otlpUrl, 'garbage', 'application/x-protobuf', { authorization: `Bearer ${OTLP_TOKEN}` })).status,
      ];
      expect(statuses).toEqual([200, 401, 400, 200, 401, 400]);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/SIGTERM: finishing in-flight writes/);
    expect(leaked(run.output())).toEqual([]);
  });

  it('serve against a ClickHouse server that refuses the credentials: the password is sent, the failure is logged, the password is not', async () => {
    const seen: string[] = [];
    const server = createServer((request, response) => {
      seen.push(Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString());
      request.resume();
      response.writeHead(516, { 'x-clickhouse-exception-code': '516' });
      response.end('Code: 516. DB::Exception: analyst: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;

    const withFlag = serve(root, ['--clickhouse-url', `http://127.0.0.1:${port}`, '--clickhouse-user', 'analyst', '--clickhouse-password', PASSWORD_FLAG], {});
    const withEnv = serve(root, ['--clickhouse-url', `http://127.0.0.1:${port}`], { CLICKHOUSE_USER: 'analyst', CLICKHOUSE_PASSWORD: PASSWORD_ENV });
    const inUrl = serve(root, ['--clickhouse-url', `http://analyst:${URL_PASSWORD}@127.0.0.1:${port}`], {});
    for (const run of [withFlag, withEnv, inUrl]) {
      expect(await run.exited).not.toBe(0);
      expect(run.output()).toMatch(/Authentication failed/);
      expect(leaked(run.output())).toEqual([]);
    }
    // The credentials did reach the server: the log is clean because they are kept out of it, not because they were unused.
    expect(seen).toEqual(expect.arrayContaining([`analyst:${PASSWORD_FLAG}`, `analyst:${PASSWORD_ENV}`, `analyst:${URL_PASSWORD}`]));
    expect(inUrl.output()).toMatch(/ClickHouse at http:\/\/\*\*\*@127\.0\.0\.1/);
  });
});
