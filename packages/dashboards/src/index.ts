export { ClickHouseQueryBuilder, CLICKHOUSE_PLUGIN_ID, FORMAT_TABLE, FORMAT_TIME_SERIES, type ClickHouseFormat, type ClickHouseQuery } from './query.ts';
export { generate, dashboards } from './generate.ts';
export { alertRules, alertRulesProvisioning, rateShiftSql, fingerprintChangeSql, canaryDriftSql, type RateShiftOptions, type FingerprintChangeOptions, type CanaryDriftOptions } from './alerts.ts';
export { expandPanelSql, expandServerMacros, applyConditionalAll, interpolateVariables, grafanaIntervalMs, type MacroContext, type TemplateVariable } from './macros.ts';
