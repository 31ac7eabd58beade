import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderForCluster, type ClusterOptions } from './cluster.ts';
import type { Store } from './store.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Reads `NNN_name.sql` files in order; each file holds `;`-terminated statements. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      statements: splitStatements(readFileSync(`${dir}/${file}`, 'utf8')),
    }));
}

/** Splits on semicolons that end a line; the migrations put one there after every statement. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

/** Options of `migrate`. */
export interface MigrateOptions {
  /** Render every statement for this ClickHouse cluster (ON CLUSTER, Replicated engines). Default: single node. */
  cluster?: ClusterOptions;
}

/** The migrations as they will run: unchanged on one node, rendered for a cluster otherwise. */
export function renderMigrations(migrations: readonly Migration[], cluster: ClusterOptions | undefined): Migration[] {
  return migrations.map((migration) => ({ ...migration, statements: migration.statements.map((statement) => renderForCluster(statement, cluster)) }));
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`. Every statement is
 * idempotent (IF NOT EXISTS, MODIFY SETTING), so a migration interrupted half way is
 * simply applied again at the next start. On a cluster, the bookkeeping table is
 * replicated too, so any sidecar sees what another one applied.
 */
export async function migrate(store: Store, migrations: Migration[] = loadMigrations(), options: MigrateOptions = {}): Promise<number[]> {
  await store.command(
    'migrate',
    renderForCluster(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3))
     ENGINE = MergeTree ORDER BY version`,
      options.cluster,
    ),
  );
  const done = new Set(
    (await store.query<{ version: number }>('migrate', 'SELECT version FROM schema_migrations')).map((row) => Number(row.version)),
  );
  const applied: number[] = [];
  for (const migration of renderMigrations(migrations, options.cluster)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await store.command(`migrate ${migration.version}`, statement);
    await store.insert('migrate', 'schema_migrations', [{ version: migration.version, name: migration.name }]);
    applied.push(migration.version);
  }
  return applied;
}
