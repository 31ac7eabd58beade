/**
 * End-to-end check of the deployable pieces on a real Docker engine: ClickHouse server,
 * the OTel Collector contrib with collector-config/gateway.yaml, and the sidecar built
 * from the repository's Dockerfile. A GenAI span sent to the collector must come out of
 * the sidecar's views, and the dashboards' panel SQL must run on the server.
 *
 *   npm run test:containers      (node --test; not part of `npm test`)
 *
 * Without a Docker engine it prints "skipped: no Docker engine" and skips.
 */
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GenericContainer, Network, Wait, getContainerRuntimeClient, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { generate } from '../../src/generate.ts';
import { expandPanelSql } from '../../src/macros.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const USER = 'behavior_rate';
const PASSWORD = randomBytes(12).toString('hex');

let engine = true;
try {
  await getContainerRuntimeClient();
} catch {
  engine = false;
  console.log('skipped: no Docker engine');
}

let network: StartedNetwork | undefined;
const started: StartedTestContainer[] = [];
let clickhouse: StartedTestContainer;
let collector: StartedTestContainer;
let sidecar: StartedTestContainer;

async function sql(query: string): Promise<string> {
  const url = `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}/?user=${USER}&password=${PASSWORD}`;
  const response = await fetch(url, { method: 'POST', body: query });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return text;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

before(async () => {
  if (!engine) return;
  network = await new Network().start();
  clickhouse = await new GenericContainer('clickhouse/clickhouse-server:25.8.26.11')
    .withNetwork(network)
    .withNetworkAliases('clickhouse')
    .withEnvironment({ CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD, CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1' })
    .withExposedPorts(8123)
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .start();
  started.push(clickhouse);
  const sidecarImage = await GenericContainer.fromDockerfile(root, 'Dockerfile').build('behavior-rate/sidecar:containers-test');
  sidecar = await sidecarImage
    .withNetwork(network)
    .withCommand(['serve', '--host=0.0.0.0', '--clickhouse-url=http://clickhouse:8123'])
    .withEnvironment({ CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD })
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/readyz', 8080))
    .start();
  started.push(sidecar);
  collector = await new GenericContainer('otel/opentelemetry-collector-contrib:0.159.0')
    .withNetwork(network)
    .withCopyFilesToContainer([{ source: `${root}collector-config/gateway.yaml`, target: '/etc/otelcol-contrib/gateway.yaml' }])
    .withCommand(['--config=/etc/otelcol-contrib/gateway.yaml'])
    .withEnvironment({ CLICKHOUSE_ENDPOINT: 'tcp://clickhouse:9000?dial_timeout=10s', CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD })
    .withExposedPorts(4318, 13133)
    .withWaitStrategy(Wait.forHttp('/', 13133))
    .start();
  started.push(collector);
});

after(async () => {
  for (const container of started.reverse()) await container.stop();
  await network?.stop();
});

test('a GenAI span sent to the collector reaches the sidecar views', { skip: !engine }, async () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  const attribute = (key: string, value: string | number) =>
    typeof value === 'number' ? { key, value: { intValue: String(value) } } : { key, value: { stringValue: value } };
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', 'containers-test')] },
        scopeSpans: [
          {
            scope: { name: '@behavior-rate/otel' },
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'chat gpt-4.1',
                kind: 3,
                startTimeUnixNano: String(now - 1_000_000_000n),
                endTimeUnixNano: String(now),
                attributes: [
                  attribute('gen_ai.operation.name', 'chat'),
                  attribute('gen_ai.provider.name', 'openai'),
                  attribute('gen_ai.request.model', 'gpt-4.1'),
                  attribute('gen_ai.response.model', 'gpt-4.1-2026-08-01'),
                  attribute('openai.response.system_fingerprint', 'fp_containers'),
                  attribute('gen_ai.response.finish_reasons', '["length"]'),
                  attribute('gen_ai.usage.input_tokens', 12),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(`http://${collector.getHost()}:${collector.getMappedPort(4318)}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  const row = await eventually(
    () => sql("SELECT fingerprint, behaviors FROM genai_calls WHERE service = 'containers-test' FORMAT JSONEachRow"),
    (text) => text.trim() !== '',
  );
  assert.deepEqual(JSON.parse(row), { fingerprint: 'fp_containers', behaviors: ['truncated'] });
  const [calls] = (await sql("SELECT sum(calls) FROM calls_by_minute WHERE service = 'containers-test'")).trim().split('\n');
  assert.equal(calls, '1');
});

test('every dashboard panel query runs on the ClickHouse server', { skip: !engine }, async () => {
  const to = new Date();
  const from = new Date(to.getTime() - 3_600_000);
  const all = { value: ['$__all'] };
  const variables = {
    behavior: { value: ['truncated'] },
    service: all,
    model: all,
    fingerprint: all,
    traffic_class: all,
    source: { value: ['live'] },
    trace_id: { value: '' },
    canary_model: { value: '$__all', allValue: '' },
  };
  for (const [file, json] of Object.entries(generate()).filter(([path]) => path.endsWith('.json'))) {
    const dashboard = JSON.parse(json) as { panels: { title: string; repeat?: string; targets: { rawSql: string }[] }[] };
    for (const panel of dashboard.panels) {
      const scoped = panel.repeat === undefined ? variables : { ...variables, [panel.repeat]: { value: 'truncated' } };
      for (const target of panel.targets) {
        await assert.doesNotReject(sql(expandPanelSql(target.rawSql, { from, to, intervalMs: 60_000, variables: scoped })), `${file}: ${panel.title}`);
      }
    }
  }
});
