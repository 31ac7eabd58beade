/** One query a dashboard sends, with what the panel around it needs from the result. */
export interface PanelQuery {
  dashboard: string;
  kind: 'panel' | 'annotation' | 'variable';
  title: string;
  panelType: string;
  rawSql: string;
  format: number;
  /** Field names the panel's overrides style: each must be a result column. */
  fieldRefs: string[];
  /** The variable a panel repeats over, if any. */
  repeat: string | undefined;
}

interface RawTarget {
  rawSql?: string;
  format?: number;
}

/** A dashboard as Grafana reads it: the generated JSON. */
interface DashboardJson {
  panels?: Record<string, unknown>[];
  annotations?: { list?: Record<string, unknown>[] };
  templating?: { list?: Record<string, unknown>[] };
}

/** Every SQL query in a generated dashboard's JSON: panel targets, annotations, variable queries. */
export function panelQueries(name: string, dashboard: DashboardJson): PanelQuery[] {
  const queries: PanelQuery[] = [];
  for (const panel of dashboard.panels ?? []) {
    const overrides = ((panel.fieldConfig as { overrides?: { matcher: { id: string; options: string } }[] } | undefined)?.overrides ?? [])
      .filter((o) => o.matcher.id === 'byName')
      .map((o) => o.matcher.options);
    for (const target of (panel.targets ?? []) as RawTarget[]) {
      queries.push({
        dashboard: name,
        kind: 'panel',
        title: String(panel.title),
        panelType: String(panel.type),
        rawSql: target.rawSql ?? '',
        format: target.format ?? 1,
        fieldRefs: overrides,
        repeat: panel.repeat as string | undefined,
      });
    }
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    const target = annotation.target as RawTarget | undefined;
    if (target?.rawSql === undefined) continue;
    queries.push({ dashboard: name, kind: 'annotation', title: String(annotation.name), panelType: 'annotation', rawSql: target.rawSql, format: target.format ?? 1, fieldRefs: [], repeat: undefined });
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    queries.push({ dashboard: name, kind: 'variable', title: String(variable.name), panelType: 'variable', rawSql: String(variable.query), format: 1, fieldRefs: [], repeat: undefined });
  }
  return queries;
}
