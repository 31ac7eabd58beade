import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** First 16 hex characters (64 bits) of the SHA-256 of the text. */
export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Stable hash of a JSON value: equal under key order, different when any value differs. */
export function stableHash(value: unknown): string {
  return hashText(canonicalJson(value));
}

// Caches keyed by the plain JSON text: a hit costs one native JSON.stringify, and a value
// mutated between calls simply misses (never a stale hash). Cleared when full, to stay bounded.
const CACHE_LIMIT = 1000;
const toolHashes = new Map<string, string>();
const textHashes = new Map<string, string>();

function cached(cache: Map<string, string>, key: string, compute: () => string): string {
  let hash = cache.get(key);
  if (hash === undefined) {
    hash = compute();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, hash);
  }
  return hash;
}

/** `tool.schema.hash`: stable hash of the canonical JSON of the request's tool definitions (order of tools kept). */
export function toolSchemaHash(tools: unknown): string {
  return cached(toolHashes, JSON.stringify(tools), () => stableHash(tools));
}

/** `prompt.template.hash`: hash of the system instructions text. */
export function promptTemplateHash(systemText: string): string {
  return cached(textHashes, systemText, () => hashText(systemText));
}
