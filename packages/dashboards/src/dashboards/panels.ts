import * as common from '@grafana/grafana-foundation-sdk/common';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { MIN_INTERVAL, at, datasource, sql } from '../common.ts';
import { FORMAT_TABLE, FORMAT_TIME_SERIES } from '../query.ts';

/** Panel layout: where it goes on the grid. */
export interface Placement {
  x: number;
  y: number;
  w: number;
  h: number;
}

const legend = (): common.VizLegendOptionsBuilder =>
  new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom);

/**
 * A rate with its Wilson band: `upper` fills down to `lower`, both drawn without a
 * line, so the interval reads as a shaded band around the rate.
 */
export function rateBandPanel(title: string, description: string, rawSql: string, where: Placement): timeseries.PanelBuilder {
  const band = [
    { id: 'custom.lineWidth', value: 0 },
    { id: 'custom.hideFrom', value: { legend: true, tooltip: false, viz: false } },
  ];
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(sql(rawSql, FORMAT_TIME_SERIES))
    .interval(MIN_INTERVAL)
    .gridPos(at(where.x, where.y, where.w, where.h))
    .unit('percentunit')
    .min(0)
    .legend(legend())
    .overrideByName('upper', [...band, { id: 'custom.fillBelowTo', value: 'lower' }, { id: 'custom.fillOpacity', value: 20 }])
    .overrideByName('lower', band);
}

/** Counts over time, one series per value of the query's label column, stacked. */
export function stackedCountsPanel(title: string, description: string, rawSql: string, where: Placement): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(sql(rawSql, FORMAT_TIME_SERIES))
    .interval(MIN_INTERVAL)
    .gridPos(at(where.x, where.y, where.w, where.h))
    .min(0)
    .fillOpacity(30)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .legend(legend());
}

/** Plain lines, one per label value (e.g. a rate per behavior). */
export function linesPanel(title: string, description: string, rawSql: string, where: Placement, unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(sql(rawSql, FORMAT_TIME_SERIES))
    .interval(MIN_INTERVAL)
    .gridPos(at(where.x, where.y, where.w, where.h))
    .unit(unit)
    .min(0)
    .legend(legend());
}

/** A table; `rateColumns` are shown as percentages (a rate and its interval bounds). */
export function tablePanel(title: string, description: string, rawSql: string, where: Placement, rateColumns: readonly string[] = []): table.PanelBuilder {
  let panel = new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(sql(rawSql, FORMAT_TABLE))
    .interval(MIN_INTERVAL)
    .gridPos(at(where.x, where.y, where.w, where.h));
  for (const column of rateColumns) {
    panel = panel.overrideByName(column, [
      { id: 'unit', value: 'percentunit' },
      { id: 'decimals', value: 2 },
    ]);
  }
  return panel;
}

/** One number. */
export function statPanel(title: string, description: string, rawSql: string, where: Placement): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .withTarget(sql(rawSql, FORMAT_TABLE))
    .interval(MIN_INTERVAL)
    .gridPos(at(where.x, where.y, where.w, where.h))
    .graphMode(common.BigValueGraphMode.None);
}

/** Builds a dashboard and gives its panels ids in order, so output never depends on build order elsewhere. */
export function numberPanels(dashboard: Dashboard): Dashboard {
  let id = 1;
  for (const panel of dashboard.panels ?? []) {
    (panel as { id?: number }).id = id++;
  }
  return dashboard;
}
