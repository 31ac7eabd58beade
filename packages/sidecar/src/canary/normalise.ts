import { createHash } from 'node:crypto';

/**
 * One step of an output normaliser. A normaliser turns an answer into its outcome
 * class: the thing whose distribution drift compares. Free text almost never repeats
 * verbatim, so a useful normaliser maps answers onto a handful of classes.
 */
export type NormaliseStep =
  | { kind: 'trim' }
  | { kind: 'lowercase' }
  | { kind: 'collapse_whitespace' }
  /** Removes punctuation (Unicode P and S categories). */
  | { kind: 'strip_punctuation' }
  /** Keeps only the numbers, space-separated ("about 7 days, maybe 10" → "7 10"). */
  | { kind: 'numbers' }
  /** Re-serialises JSON with sorted keys; text that is not JSON becomes "(invalid json)". */
  | { kind: 'json' }
  /** The first capture group of the first match (or the whole match); "(no match)" when none. */
  | { kind: 'extract'; pattern: RegExp }
  /** The label of the first pattern that matches; "other" when none does. */
  | { kind: 'classes'; classes: { label: string; pattern: RegExp }[] };

/** Steps that take no argument, by their YAML name. */
export const SIMPLE_STEPS = ['trim', 'lowercase', 'collapse_whitespace', 'strip_punctuation', 'numbers', 'json'] as const;

/** Default normaliser: whitespace differences are not outcomes. */
export const DEFAULT_NORMALISER: readonly NormaliseStep[] = [{ kind: 'trim' }, { kind: 'collapse_whitespace' }];

/** Outcomes longer than this are shown shortened with a hash, so distinct long answers stay distinct. */
const MAX_OUTCOME_CHARS = 64;

/** Regexes only ever see this much output: bounds the work a pathological pattern can do. */
export const MAX_MATCHED_CHARS = 20_000;

/** Applies the steps in order. */
export function normalise(text: string, steps: readonly NormaliseStep[]): string {
  let value = text.slice(0, MAX_MATCHED_CHARS);
  for (const step of steps) value = applyStep(value, step);
  return value;
}

function applyStep(value: string, step: NormaliseStep): string {
  switch (step.kind) {
    case 'trim':
      return value.trim();
    case 'lowercase':
      return value.toLowerCase();
    case 'collapse_whitespace':
      return value.replace(/\s+/g, ' ');
    case 'strip_punctuation':
      return value.replace(/[\p{P}\p{S}]+/gu, '');
    case 'numbers':
      return (value.match(/-?\d+(?:\.\d+)?/g) ?? []).join(' ');
    case 'json':
      return canonicalJson(value);
    case 'extract': {
      const match = step.pattern.exec(value);
      if (match === null) return '(no match)';
      return match[1] ?? match[0];
    }
    case 'classes':
      return step.classes.find((entry) => entry.pattern.test(value))?.label ?? 'other';
  }
}

function canonicalJson(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return '(invalid json)';
  }
  return JSON.stringify(sortKeys(parsed));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}

/**
 * The stored outcome class of a normalised answer: itself when short and on one line,
 * else its beginning plus a hash of the whole, so two long answers that differ only at
 * the end are still two outcomes, and a person can still read what the class is.
 */
export function outcomeClass(normalised: string): string {
  const oneLine = normalised.replace(/[\r\n]+/g, ' ');
  if (oneLine.length <= MAX_OUTCOME_CHARS && oneLine === normalised) return normalised;
  const hash = createHash('sha256').update(normalised).digest('hex').slice(0, 12);
  return `${oneLine.slice(0, MAX_OUTCOME_CHARS - 16)}…#${hash}`;
}
