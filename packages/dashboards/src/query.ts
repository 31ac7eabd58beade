import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** Plugin id of the ClickHouse data source (grafana/clickhouse-datasource). */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/**
 * How the plugin shapes a result (sqlds `FormatQueryOption`): 0 turns a long result
 * (time, labels…, values…) into time series, 1 returns the table as is.
 */
export type ClickHouseFormat = 0 | 1;

/** Result shape names, so call sites read as intent rather than magic numbers. */
export const FORMAT_TIME_SERIES: ClickHouseFormat = 0;
export const FORMAT_TABLE: ClickHouseFormat = 1;

/**
 * A panel target of the ClickHouse plugin in SQL-editor mode, the shape the plugin's
 * `CHSqlQuery` (src/types/sql.ts) declares: `{datasource, editorType: 'sql', format, rawSql, refId}`.
 */
export interface ClickHouseQuery extends cog.Dataquery {
  refId: string;
  datasource?: DataSourceRef;
  editorType: 'sql';
  format: ClickHouseFormat;
  rawSql: string;
  /** Set for alert rules: the interval the plugin's `$__interval_s` sees. */
  intervalMs?: number;
  /** Set for alert rules: bounds the rows Grafana keeps. */
  maxDataPoints?: number;
}

/**
 * The foundation SDK has no ClickHouse query type; this builder is one, so
 * ClickHouse targets go through the same `withTarget(...)` as any other.
 * Defaults: refId `A`, format table (1), no datasource (the panel's is used).
 */
export class ClickHouseQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: ClickHouseQuery;

  constructor() {
    this.internal = {
      refId: 'A',
      editorType: 'sql',
      format: FORMAT_TABLE,
      rawSql: '',
      // The SDK marks data query variants with this method; JSON output drops it.
      _implementsDataqueryVariant() {},
    };
  }

  build(): ClickHouseQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  datasource(datasource: DataSourceRef): this {
    this.internal.datasource = datasource;
    return this;
  }

  format(format: ClickHouseFormat): this {
    this.internal.format = format;
    return this;
  }

  /** The SQL as written in the editor, macros and template variables unexpanded. */
  rawSql(rawSql: string): this {
    this.internal.rawSql = rawSql;
    return this;
  }

  intervalMs(intervalMs: number): this {
    this.internal.intervalMs = intervalMs;
    return this;
  }

  maxDataPoints(maxDataPoints: number): this {
    this.internal.maxDataPoints = maxDataPoints;
    return this;
  }
}
