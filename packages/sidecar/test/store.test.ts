import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store, StoreQueryError, StoreUnavailableError } from '../src/store/store.ts';

describe('store errors are classified', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-store-'));
  const store = new Store({ dataDir: join(dir, 'data') });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a statement the engine rejects is a query error carrying the engine code and the tag', async () => {
    const error = await store.query('rates', 'SELECT no_such_column FROM system.one').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreQueryError);
    expect((error as StoreQueryError).code).toBe('47');
    expect((error as Error).message).toMatch(/^rates: .*no_such_column/);
  });

  it('bound parameters are values, never SQL', async () => {
    const hostile = "x' OR 1=1) UNION ALL SELECT name FROM system.tables --";
    const rows = await store.query<{ v: string }>('test', 'SELECT {v:String} AS v', { v: hostile });
    expect(rows).toEqual([{ v: hostile }]);
  });

  it('a server that does not answer is unavailable, not a query error', async () => {
    const remote = new Store({ clickhouseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 2000 });
    try {
      await expect(remote.query('readyz', 'SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await remote.ping()).toBe(false);
    } finally {
      await remote.close();
    }
  });
});
