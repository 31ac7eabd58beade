import type { Loose } from './internal-types.ts';

// Readers for SDK objects whose shape we do not control: wrong types read as undefined.

export function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function rec(value: unknown): Loose | undefined {
  return isRecord(value) ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Stop sequences as an array, from a string or a string array. */
export function stopSequences(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

/** Keys of `params` outside `known`, for `request.uncaptured_fields`. */
export function uncapturedFields(params: Loose, known: ReadonlySet<string>): string[] {
  const fields: string[] = [];
  for (const key in params) {
    if (!known.has(key) && params[key] !== undefined) fields.push(key);
  }
  return fields;
}
