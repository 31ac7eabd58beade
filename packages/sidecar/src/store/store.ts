import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, ClickHouseError, ClickHouseLogLevel, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

/** Where the data lives: embedded chDB at a directory, or a ClickHouse server. */
export interface StoreOptions {
  /** Embedded chDB data directory. Default `./data`. Ignored when `clickhouseUrl` is set. */
  dataDir?: string;
  /** ClickHouse server URL (e.g. `http://127.0.0.1:8123`). Unset: embedded chDB. */
  clickhouseUrl?: string;
  /** Server user. Default `default`. */
  user?: string;
  /** Server password. Default empty. Never logged. */
  password?: string;
  /** Database. Default `default`, the collector exporter's default. */
  database?: string;
  /** Per-query timeout against a server, ms. Default 30000. */
  requestTimeoutMs?: number;
}

/** Query parameters are always bound as `{name:Type}` placeholders, never concatenated. */
export type QueryParams = Record<string, unknown>;

/** The store could not be reached or is overloaded: callers answer 503/429, not 500. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** The engine rejected the statement (bad SQL, bad expression, type mismatch). */
export class StoreQueryError extends Error {
  override readonly name = 'StoreQueryError';
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Engine error codes that mean "overloaded or out of resources", not "bad statement":
 * TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, SOCKET_TIMEOUT, NETWORK_ERROR,
 * MEMORY_LIMIT_EXCEEDED, NOT_ENOUGH_SPACE, TOO_MANY_PARTS, CANNOT_WRITE_TO_FILE_DESCRIPTOR.
 */
const OVERLOAD_ENGINE_CODES = new Set(['159', '202', '209', '210', '241', '243', '252', '75']);

/**
 * The engine's error code, if the error came from the engine. chDB raises the
 * standalone client-common package's ClickHouseError, a twin of @clickhouse/client's
 * class that `instanceof` does not recognise, so it is also recognised by shape.
 */
function engineCode(error: unknown, message: string): string | undefined {
  if (error instanceof ClickHouseError) return error.code;
  const shaped = error as { name?: unknown; code?: unknown; type?: unknown } | null;
  if (shaped !== null && typeof shaped === 'object' && typeof shaped.code === 'string' && /^\d+$/.test(shaped.code) && (shaped.name === 'ClickHouseError' || typeof shaped.type === 'string')) {
    return shaped.code;
  }
  return /Code: (\d+)/.exec(message)?.[1];
}

/** Engine errors are the statement's fault unless they say the engine is overloaded; everything else (refused, reset, timed out, disk full) means unavailable. */
function classify(error: unknown, tag: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const code = engineCode(error, message);
  if (code !== undefined && !OVERLOAD_ENGINE_CODES.has(code)) return new StoreQueryError(`${tag}: ${message}`, code, { cause: error });
  return new StoreUnavailableError(`${tag}: ${message}`, { cause: error });
}

/** A `\udXXX` escape preceded by an even number of backslashes: a lone UTF-16 surrogate, not literal text. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * Rows as JSON for JSONEachRow. JSON.stringify writes a lone surrogate (from a client's
 * `"\ud800"`, or a protobuf string decoded from broken UTF-8) as an escape the engine
 * refuses for the whole insert; it becomes U+FFFD here, as invalid UTF-8 does elsewhere.
 */
export function stringifyRow(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\ud') ? text.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : text;
}

/**
 * The one door to ClickHouse. Every statement passes through here with bound
 * parameters and a `log_comment` tag naming its purpose, so it can be found in
 * `system.query_log`, and errors come out classified.
 */
export class Store {
  readonly client: ClickHouseClient;
  readonly embedded: boolean;
  readonly database: string;

  constructor(options: StoreOptions = {}) {
    this.database = options.database ?? 'default';
    this.embedded = options.clickhouseUrl === undefined;
    if (options.clickhouseUrl !== undefined) {
      this.client = createClient({
        url: options.clickhouseUrl,
        username: options.user ?? 'default',
        password: options.password ?? '',
        database: this.database,
        request_timeout: options.requestTimeoutMs ?? 30_000,
        // Failures come back as classified errors with the query's tag; the client's own log would repeat them.
        log: { level: ClickHouseLogLevel.OFF },
        json: { stringify: stringifyRow },
      });
    } else {
      const dataDir = resolve(options.dataDir ?? './data');
      mkdirSync(dataDir, { recursive: true });
      // chdb types its connection against the standalone client-common package, which
      // @clickhouse/client now bundles: the same interface under two declarations.
      const connection = createChdbConnection({ path: dataDir }) as unknown as ClickHouseClientConfigOptions['connection'];
      this.client = createClient({ connection, json: { stringify: stringifyRow } });
    }
  }

  /** Runs a SELECT and returns its rows. */
  async query<Row>(tag: string, sql: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<Row[]> {
    try {
      const result = await this.client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { log_comment: tag, ...settings },
      });
      return await result.json<Row>();
    } catch (error) {
      throw classify(error, tag);
    }
  }

  /** Runs a statement that returns no rows (DDL, ALTER, INSERT … SELECT). */
  async command(tag: string, sql: string, params: QueryParams = {}, settings: ClickHouseSettings = {}): Promise<void> {
    try {
      await this.client.command({ query: sql, query_params: params, clickhouse_settings: { log_comment: tag, ...settings } });
    } catch (error) {
      throw classify(error, tag);
    }
  }

  /**
   * Inserts rows as one synchronous block. With a `dedupToken`, a retry of the same
   * batch is dropped by the engine here and in every materialized view downstream
   * (tables keep a window of recent tokens), so it is counted once.
   */
  async insert(tag: string, table: string, rows: readonly object[], dedupToken?: string): Promise<void> {
    if (rows.length === 0) return;
    const settings: ClickHouseSettings = { log_comment: tag, async_insert: 0 };
    if (dedupToken !== undefined) {
      settings.insert_deduplicate = 1;
      settings.insert_deduplication_token = dedupToken;
      settings.deduplicate_blocks_in_dependent_materialized_views = 1;
    }
    try {
      await this.client.insert({ table, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: settings });
    } catch (error) {
      throw classify(error, tag);
    }
  }

  /** True when the store answers a trivial query. */
  async ping(): Promise<boolean> {
    try {
      await this.query('readyz', 'SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
