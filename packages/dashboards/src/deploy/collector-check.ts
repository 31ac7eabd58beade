import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The component kinds a collector config declares. */
const KINDS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors'] as const;
type Kind = (typeof KINDS)[number];

/** A key tree: `null` a value, `'*'` a free-form map, an object a nested section. */
type KeyTree = { [key: string]: KeyTree | null | '*' };

/** What a collector distribution accepts, as written in `collector-config/contrib-*-accepted.yaml`. */
export interface AcceptedConfig {
  version: string;
  modules: Record<Kind, string[]>;
  types: Partial<Record<Kind, Record<string, string>>>;
  keys: Partial<Record<Kind, Record<string, KeyTree>>>;
  service: KeyTree;
}

/** Reads the accepted-components data file (YAML merge keys resolve the shared shapes). */
export function loadAccepted(path: string): AcceptedConfig {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as AcceptedConfig;
}

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function checkKeys(value: unknown, tree: KeyTree | null | '*', path: string, problems: string[]): void {
  if (tree === null || tree === '*' || value === null || value === undefined) return;
  if (!isMap(value)) {
    problems.push(`${path}: expected a section with keys ${Object.keys(tree).join(', ')}`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (!(key in tree)) {
      problems.push(`${path}.${key}: not a key the collector accepts here (accepted: ${Object.keys(tree).sort().join(', ')})`);
      continue;
    }
    checkKeys(child, tree[key] ?? null, `${path}.${key}`, problems);
  }
}

/** `type/name` → `type`. */
const typeOf = (id: string): string => id.split('/')[0] ?? id;

/**
 * Checks a parsed collector config against what the distribution accepts: known top-level
 * sections, component types the distribution builds, config keys their structs declare,
 * pipelines that reference declared components, memory_limiter first. Returns problems.
 */
export function checkCollectorConfig(config: unknown, accepted: AcceptedConfig): string[] {
  const problems: string[] = [];
  if (!isMap(config)) return ['config: expected a mapping'];
  for (const key of Object.keys(config)) {
    if (!(KINDS as readonly string[]).includes(key) && key !== 'service') problems.push(`${key}: not a top-level section`);
  }
  const declared: Record<string, Set<string>> = {};
  for (const kind of KINDS) {
    declared[kind] = new Set();
    const section = config[kind];
    if (section === undefined) continue;
    if (!isMap(section)) {
      problems.push(`${kind}: expected a mapping`);
      continue;
    }
    for (const [id, body] of Object.entries(section)) {
      declared[kind].add(id);
      const type = typeOf(id);
      const module = accepted.types[kind]?.[type];
      if (module === undefined) {
        problems.push(`${kind}.${id}: component type "${type}" is not in the accepted list`);
        continue;
      }
      if (!accepted.modules[kind].includes(module)) problems.push(`${kind}.${id}: module ${module} is not in the ${accepted.version} distribution`);
      const tree = accepted.keys[kind]?.[type];
      if (tree === undefined) problems.push(`${kind}.${id}: no key list recorded for "${type}"`);
      else checkKeys(body, tree, `${kind}.${id}`, problems);
    }
  }
  const service = config.service;
  if (!isMap(service)) return [...problems, 'service: missing'];
  checkKeys(service, accepted.service, 'service', problems);
  for (const id of (service.extensions as string[] | undefined) ?? []) {
    if (!declared.extensions?.has(id)) problems.push(`service.extensions: "${id}" is not declared`);
  }
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  if (Object.keys(pipelines).length === 0) problems.push('service.pipelines: none');
  for (const [name, pipeline] of Object.entries(pipelines)) {
    if (!/^(traces|metrics|logs|profiles)(\/.+)?$/.test(name)) problems.push(`service.pipelines.${name}: unknown signal`);
    if (!isMap(pipeline)) continue;
    for (const key of Object.keys(pipeline)) {
      if (!['receivers', 'processors', 'exporters'].includes(key)) problems.push(`service.pipelines.${name}.${key}: not a pipeline key`);
    }
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      const ids = (pipeline[kind] as string[] | undefined) ?? [];
      if (kind !== 'processors' && ids.length === 0) problems.push(`service.pipelines.${name}.${kind}: empty`);
      for (const id of ids) {
        if (!declared[kind]?.has(id) && !declared.connectors?.has(id)) problems.push(`service.pipelines.${name}.${kind}: "${id}" is not declared`);
      }
    }
    const processors = (pipeline.processors as string[] | undefined) ?? [];
    const limiter = processors.findIndex((id) => typeOf(id) === 'memory_limiter');
    if (limiter > 0) problems.push(`service.pipelines.${name}.processors: memory_limiter must come first`);
  }
  return problems;
}

/** Every `${env:NAME}` / `${env:NAME:-default}` reference in a config text. */
export function envReferences(text: string): { name: string; hasDefault: boolean }[] {
  return [...text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => ({ name: m[1] as string, hasDefault: m[2] !== undefined }));
}
