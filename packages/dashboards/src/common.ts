import type * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  type GridPos,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { CLICKHOUSE_PLUGIN_ID, ClickHouseQueryBuilder, FORMAT_TABLE, type ClickHouseFormat } from './query.ts';

/** The provisioned ClickHouse data source's uid; provisioning and every target use it. */
export const DATASOURCE_UID = 'behavior-rate-clickhouse';

export const datasource: common.DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID };

/** Folder the dashboards and alert rules are provisioned into. */
export const FOLDER = 'behavior-rate';

/**
 * Smallest panel interval. The rate tables hold one row per minute, so a finer
 * interval would only produce empty buckets and noisier rates.
 */
export const MIN_INTERVAL = '1m';

/** Options every dashboard shares. */
export interface DashboardOptions {
  /** Stable uid: links, alert rules and provisioning refer to it. */
  uid: string;
  title: string;
  description: string;
  /** Default time range start. Default `now-24h`. */
  from?: string;
  /** Auto refresh. Default `1m`, the resolution of the rate tables. */
  refresh?: string;
}

/**
 * House defaults: UTC (minute buckets are UTC), shared crosshair, read-only (the
 * source of truth is this code, so edits in the UI would be lost at the next deploy).
 */
export function newDashboard(options: DashboardOptions): DashboardBuilder {
  return new DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(['behavior-rate'])
    .timezone('utc')
    .time({ from: options.from ?? 'now-24h', to: 'now' })
    .refresh(options.refresh ?? '1m')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly();
}

/** A ClickHouse SQL target on the provisioned data source. */
export function sql(rawSql: string, format: ClickHouseFormat = FORMAT_TABLE, refId = 'A'): ClickHouseQueryBuilder {
  return new ClickHouseQueryBuilder().refId(refId).datasource(datasource).format(format).rawSql(rawSql);
}

const ALL_SELECTED: { text: string[]; value: string[] } = { text: ['All'], value: ['$__all'] };

/**
 * A multi-select filter filled from ClickHouse; All is selected by default and,
 * through `$__conditionalAll`, removes the filter instead of listing every value.
 */
export function filterVariable(name: string, label: string, rawSql: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(datasource)
    .query(rawSql)
    .definition(rawSql)
    .multi(true)
    .includeAll(true)
    .current(ALL_SELECTED)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** Which traffic a rate covers; live by default, so canary and replay never mix into live rates. */
export function sourceVariable(): CustomVariableBuilder {
  return new CustomVariableBuilder('source')
    .label('Source')
    .values('live,canary,replay')
    .multi(true)
    .current({ text: ['live'], value: ['live'] })
    .options([
      { text: 'live', value: 'live', selected: true },
      { text: 'canary', value: 'canary', selected: false },
      { text: 'replay', value: 'replay', selected: false },
    ]);
}

/** A free-text variable, e.g. the trace id an incident view is opened with. */
export function textVariable(name: string, label: string): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder(name).label(label).defaultValue('').current({ text: '', value: '' });
}

/** An annotation whose events come from ClickHouse SQL (columns `time`, `text`, `tags`). */
export function sqlAnnotation(name: string, rawSql: string, iconColor: string): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name(name)
    .datasource(datasource)
    .enable(true)
    .hide(false)
    .iconColor(iconColor)
    .target(sql(rawSql, FORMAT_TABLE, 'annotation'));
}

/** Grid position helper: panels are laid out row by row on Grafana's 24-column grid. */
export function at(x: number, y: number, w: number, h: number): GridPos {
  return { x, y, w, h };
}
