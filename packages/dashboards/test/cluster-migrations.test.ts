import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderForCluster } from '../../sidecar/src/store/cluster.ts';
import { loadMigrations, renderMigrations } from '../../sidecar/src/store/migrate.ts';
import { Store } from '../../sidecar/src/store/store.ts';

const cluster = { name: 'behavior_rate' };
const single = loadMigrations();
const clustered = renderMigrations(single, cluster);
const pairs = single.flatMap((migration, m) =>
  migration.statements.map((statement, s) => ({ label: `${migration.version}_${migration.name} #${s + 1}`, single: statement, cluster: clustered[m]?.statements[s] ?? '' })),
);

/** Undoes exactly the two cluster changes; what is left must be the single-node text. */
function withoutClusterChanges(statement: string): string {
  return statement
    .replace(` ON CLUSTER '${cluster.name}'`, '')
    .replace(/ENGINE = Replicated(\w*MergeTree)\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'(?:, ([^()]*))?\)/, (_all, family: string, args?: string) =>
      args === undefined ? `ENGINE = ${family}` : `ENGINE = ${family}(${args})`,
    );
}

describe('migrations rendered for a cluster', () => {
  it('cover every migration file, including ones added later', () => {
    expect(single.length).toBeGreaterThanOrEqual(3);
    expect(clustered.map((m) => m.version)).toEqual(single.map((m) => m.version));
  });

  it.each(pairs.map((p) => [p.label, p] as const))('%s differs only in ON CLUSTER and the engine', (_label, pair) => {
    expect(withoutClusterChanges(pair.cluster)).toBe(pair.single);
    if (/^(CREATE|ALTER|DROP)\b/i.test(pair.single)) expect(pair.cluster.match(/ON CLUSTER/g)).toHaveLength(1);
    if (/ENGINE\s*=\s*\w*MergeTree/.test(pair.single)) expect(pair.cluster).toMatch(/ENGINE = Replicated\w*MergeTree\('/);
  });

  it('keeps engine arguments after the replication ones', () => {
    expect(renderForCluster('CREATE TABLE IF NOT EXISTS t (v UInt8) ENGINE = ReplacingMergeTree(version) ORDER BY v', cluster)).toBe(
      "CREATE TABLE IF NOT EXISTS t ON CLUSTER 'behavior_rate' (v UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version) ORDER BY v",
    );
  });

  it('leaves single-node statements untouched and refuses a cluster name that is not an identifier', () => {
    expect(renderMigrations(single, undefined)).toEqual(single);
    expect(() => renderForCluster('ALTER TABLE t MODIFY SETTING x = 1', { name: "x'; DROP" })).toThrow(/cluster name/);
  });
});

describe('every rendered cluster statement parses on the real engine', () => {
  let store: Store;
  beforeAll(() => {
    store = new Store({ dataDir: mkdtempSync(join(tmpdir(), 'br-cluster-')) });
  });
  afterAll(async () => {
    await store?.close();
  });

  // chDB has no Keeper or cluster, so the DDL cannot run here; formatQuery parses it with
  // the server's own parser, which catches a misplaced ON CLUSTER or a malformed engine.
  it.each(pairs.map((p) => [p.label, p.cluster] as const))('%s', async (_label, statement) => {
    const [row] = await store.query<{ formatted: string }>('cluster parse', 'SELECT formatQuery({statement:String}) AS formatted', { statement });
    expect(row?.formatted).toContain('ON CLUSTER');
  });
});
