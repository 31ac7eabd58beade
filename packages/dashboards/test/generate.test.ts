import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DATASOURCE_UID } from '../src/common.ts';
import { dashboards, generate } from '../src/generate.ts';
import { CLICKHOUSE_PLUGIN_ID, ClickHouseQueryBuilder, FORMAT_TIME_SERIES } from '../src/query.ts';

const committedDir = fileURLToPath(new URL('../../../dashboards/', import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe('generated dashboards', () => {
  it('are byte-for-byte deterministic', () => {
    expect(generate()).toEqual(generate());
  });

  it('are committed up to date (run `npm run dashboards` after changing the code)', () => {
    const committed = Object.fromEntries(listFiles(committedDir).map((path) => [relative(committedDir, path), readFileSync(path, 'utf8')]));
    expect(committed).toEqual(generate());
  });

  it('have stable, unique uids and unique panel ids', () => {
    const all = Object.values(dashboards());
    expect(all.map((d) => d.uid)).toEqual(['br-behavior-rates', 'br-canary-drift', 'br-fingerprints', 'br-incident']);
    for (const dashboard of all) {
      const ids = (dashboard.panels ?? []).map((p) => (p as { id?: number }).id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('give every target the ClickHouse plugin shape on the provisioned data source', () => {
    for (const dashboard of Object.values(JSON.parse(JSON.stringify(dashboards())) as Record<string, { panels: { targets: object[] }[] }>)) {
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          expect(Object.keys(target).sort()).toEqual(['datasource', 'editorType', 'format', 'rawSql', 'refId']);
          expect(target).toMatchObject({ datasource: { type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID }, editorType: 'sql' });
        }
      }
    }
  });
});

describe('ClickHouseQueryBuilder', () => {
  it('builds the plugin target and nothing else', () => {
    const built = JSON.parse(JSON.stringify(new ClickHouseQueryBuilder().refId('B').datasource({ type: CLICKHOUSE_PLUGIN_ID, uid: 'x' }).format(FORMAT_TIME_SERIES).rawSql('SELECT 1').build()));
    expect(built).toEqual({ refId: 'B', datasource: { type: CLICKHOUSE_PLUGIN_ID, uid: 'x' }, editorType: 'sql', format: 0, rawSql: 'SELECT 1' });
  });
});

describe('provisioning', () => {
  const files = generate();
  const load = (path: string): Record<string, unknown> => parse(files[path] ?? '') as Record<string, unknown>;

  it('data source: the plugin, its uid, credentials only from the environment', () => {
    const [source] = load('provisioning/datasources/clickhouse.yaml').datasources as Record<string, unknown>[];
    expect(source).toMatchObject({ type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID, secureJsonData: { password: '$CLICKHOUSE_PASSWORD' } });
    expect(files['provisioning/datasources/clickhouse.yaml']).not.toMatch(/password:\s*[^$\s]/);
  });

  it('alert rules: every rule queries the data source and ends in a threshold condition', () => {
    const groups = load('provisioning/alerting/rules.yaml').groups as { rules: { uid: string; condition: string; data: { refId: string; datasourceUid: string; model: Record<string, unknown> }[] }[] }[];
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.uid)).toEqual(['br-rate-shift', 'br-canary-drift', 'br-fingerprint-change']);
    for (const rule of rules) {
      expect(rule.data.find((d) => d.refId === 'A')).toMatchObject({ datasourceUid: DATASOURCE_UID, model: { editorType: 'sql', format: 1 } });
      expect(rule.data.find((d) => d.refId === rule.condition)).toMatchObject({ datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A' } });
      // Alert queries are evaluated without a dashboard: no template variables allowed.
      expect(JSON.stringify(rule.data)).not.toMatch(/\$(?!__)\{?\w|\$__conditionalAll/);
    }
  });

  it('contact point sends to an external Alertmanager and the policy routes to it', () => {
    const doc = load('provisioning/alerting/contact-points.yaml') as { contactPoints: { name: string; receivers: { type: string; settings: { url: string } }[] }[]; policies: { receiver: string }[] };
    expect(doc.contactPoints[0]?.receivers[0]).toMatchObject({ type: 'prometheus-alertmanager', settings: { url: '$ALERTMANAGER_URL' } });
    expect(doc.policies[0]?.receiver).toBe(doc.contactPoints[0]?.name);
  });
});
