import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { callsSelect } from '../../sidecar/src/behaviors/calls-view.ts';
import { loadMigrations } from '../../sidecar/src/store/migrate.ts';
import { checkCollectorConfig, envReferences, loadAccepted } from '../src/deploy/collector-check.ts';
import { composeHouseProblems, composeSchemaProblems, composeVariables } from '../src/deploy/compose-check.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');
const accepted = loadAccepted(`${root}collector-config/contrib-v0.159.0-accepted.yaml`);
const envExample = new Set([...read('.env.example').matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
const compose = parse(read('docker-compose.yml')) as { services: Record<string, { environment?: Record<string, string> }> };

describe.each(['agent', 'gateway'])('collector-config/%s.yaml', (name) => {
  const text = read(`collector-config/${name}.yaml`);
  const config = parse(text) as Record<string, Record<string, Record<string, unknown>>>;

  it('uses only components and keys the contrib distribution accepts', () => {
    expect(checkCollectorConfig(config, accepted)).toEqual([]);
  });

  it('limits memory first and batches in every pipeline, and queues and retries every exporter', () => {
    for (const pipeline of Object.values(config.service?.pipelines ?? {}) as { processors: string[] }[]) {
      expect(pipeline.processors[0]).toBe('memory_limiter');
      expect(pipeline.processors).toContain('batch');
    }
    for (const exporter of Object.values(config.exporters ?? {}) as Record<string, { enabled?: boolean }>[]) {
      expect(exporter.sending_queue?.enabled).toBe(true);
      expect(exporter.retry_on_failure?.enabled).toBe(true);
    }
  });

  it('takes endpoints and credentials from the environment, and docker-compose sets each one without a default', () => {
    const collectorEnv = compose.services['otel-collector']?.environment ?? {};
    for (const ref of envReferences(text).filter((r) => !r.hasDefault)) {
      // The agent is not in the compose stack (the demo sends to the gateway); Kubernetes sets its endpoint.
      if (name === 'agent') expect(ref.name).toBe('GATEWAY_OTLP_ENDPOINT');
      else expect(Object.keys(collectorEnv)).toContain(ref.name);
    }
    expect(text).not.toMatch(/password:\s*(?!\$\{env:)\S/);
  });
});

describe('the gateway writes the table our migrations create and our views read', () => {
  const gateway = parse(read('collector-config/gateway.yaml')) as { exporters: { clickhouse: { database: string; traces_table_name: string; create_schema: boolean } } };
  const exporter = gateway.exporters.clickhouse;

  it('database default, table otel_traces, as migration 001 and the calls view use', () => {
    expect(exporter).toMatchObject({ database: 'default', create_schema: true });
    const created = loadMigrations()
      .flatMap((m) => m.statements)
      .map((s) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s)?.[1])
      .filter((t) => t !== undefined);
    expect(created).toContain(exporter.traces_table_name);
    expect(callsSelect()).toContain(`FROM ${exporter.traces_table_name}`);
  });

  it('a config with an unknown key or component fails the check', () => {
    const broken = structuredClone(gateway) as unknown as Record<string, Record<string, Record<string, unknown>>>;
    (broken.exporters as Record<string, Record<string, unknown>>).clickhouse = { ...exporter, table_name: 'x' };
    (broken.processors as Record<string, unknown>) = { memory_limiter: {}, bogus: {} };
    const problems = checkCollectorConfig(broken, accepted);
    expect(problems).toContainEqual(expect.stringContaining('exporters.clickhouse.table_name'));
    expect(problems).toContainEqual(expect.stringContaining('processors.bogus'));
  });
});

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const document = parse(text);

  it('is valid against the compose-spec schema', () => {
    expect(composeSchemaProblems(document)).toEqual([]);
  });

  it('keeps the house rules: pinned images, loopback ports, health-gated dependencies, mounted files exist', () => {
    expect(composeHouseProblems(document, root)).toEqual([]);
  });

  it('every required variable is in .env.example', () => {
    for (const variable of composeVariables(text).filter((v) => !v.hasDefault)) expect(envExample).toContain(variable.name);
  });

  it('a broken compose file fails both checks', () => {
    const broken = structuredClone(document) as { services: Record<string, Record<string, unknown>> };
    (broken.services.grafana as Record<string, unknown>).ports = ['3000:3000'];
    (broken.services.grafana as Record<string, unknown>).restart = 7;
    (broken.services.prometheus as Record<string, unknown>).image = 'prom/prometheus:latest';
    (broken.services['otel-collector'] as Record<string, unknown>).volumes = ['./collector-config/missing.yaml:/etc/otelcol-contrib/gateway.yaml:ro'];
    expect(composeSchemaProblems(broken)).toContainEqual(expect.stringContaining('/services/grafana/restart'));
    expect(composeHouseProblems(broken, root, [])).toEqual(
      expect.arrayContaining([expect.stringContaining('grafana: port'), expect.stringContaining('prometheus: image'), expect.stringContaining('missing.yaml')]),
    );
  });
});

describe('deploy/kubernetes', () => {
  const documents = (path: string): Record<string, unknown>[] =>
    read(`deploy/kubernetes/${path}`)
      .split(/^---$/m)
      .map((doc) => parse(doc) as Record<string, unknown> | null)
      .filter((doc): doc is Record<string, unknown> => doc !== null);
  const kustomization = parse(read('deploy/kubernetes/kustomization.yaml')) as { resources: string[] };
  const all = kustomization.resources.flatMap(documents);

  it('declares the ClickHouse cluster through the operator CRD with the cluster name migrations render for', () => {
    const chi = all.find((doc) => doc.kind === 'ClickHouseInstallation') as { apiVersion: string; spec: { configuration: { clusters: { name: string }[] } } };
    expect(chi.apiVersion).toBe('clickhouse.altinity.com/v1');
    const gateway = all.find((doc) => doc.kind === 'Deployment' && (doc.metadata as { name: string }).name === 'collector-gateway') as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    const env = gateway.spec.template.spec.containers[0]?.env ?? [];
    expect(chi.spec.configuration.clusters.map((c) => c.name)).toContain(env.find((e) => e.name === 'CLICKHOUSE_CLUSTER')?.value);
    expect(env.find((e) => e.name === 'CLICKHOUSE_TABLE_ENGINE')?.value).toMatch(/^Replicated/);
  });

  it('ships the collector configs verbatim', () => {
    for (const [configMap, file] of [
      ['collector-gateway', 'gateway.yaml'],
      ['collector-agent', 'agent.yaml'],
    ] as const) {
      const doc = all.find((d) => d.kind === 'ConfigMap' && (d.metadata as { name: string }).name === configMap) as { data: Record<string, string> };
      expect(doc.data[file]).toBe(read(`collector-config/${file}`));
    }
  });

  it('pins every image and takes every password from a secret', () => {
    const text = kustomization.resources.map((path) => read(`deploy/kubernetes/${path}`)).join('\n');
    for (const [, image] of text.matchAll(/image: (\S+)/g)) expect(image).toMatch(/:[^:]*\d[^:]*$/);
    expect(text).not.toMatch(/(?<!k8s_secret_)password:\s*(?!\$\{env:)\S+/i);
  });
});
