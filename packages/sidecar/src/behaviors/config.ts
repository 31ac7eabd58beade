import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A behavior declared in behaviors.yaml. */
export interface BehaviorDefinition {
  /** Lower-case identifier: `[a-z][a-z0-9_]*`, at most 64 characters. */
  name: string;
  description: string;
  /**
   * ClickHouse boolean expression over genai_calls columns, evaluated on every call
   * as it is ingested. Absent for behaviors that arrive as flags or are built in,
   * which may still be declared here to give them a description and an objective.
   */
  where?: string;
  /** Highest acceptable rate, in (0, 1). Alerts and reports measure against it. */
  objective?: number;
}

export interface BehaviorConfig {
  behaviors: BehaviorDefinition[];
  /** Hash of the normalized definitions: a changed hash re-renders the calls view. */
  hash: string;
  /** The file it came from, or undefined when no file exists. */
  source: string | undefined;
}

/** Behaviors every call is checked for, derived from semantic-convention fields. */
export const BUILTIN_BEHAVIORS: readonly BehaviorDefinition[] = [
  { name: 'truncated', description: 'The model stopped at the token limit (finish reason "length").' },
  { name: 'content_filtered', description: 'The provider filtered the output (finish reason "content_filter").' },
  { name: 'error', description: 'The call failed (span status Error).' },
  { name: 'refusal', description: 'The model refused (refusal flag, or finish reason "refusal").' },
];

export class BehaviorConfigError extends Error {
  override readonly name = 'BehaviorConfigError';
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const KEYS = new Set(['name', 'description', 'where', 'objective']);

/** Parses and validates behaviors YAML text; every error names the behavior and field. */
export function parseBehaviorConfig(text: string, source: string | undefined): BehaviorConfig {
  const where = source ?? 'behaviors';
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new BehaviorConfigError(`${where}: not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return finish([], source);
  const list = (document as { behaviors?: unknown }).behaviors;
  if (typeof document !== 'object' || !Array.isArray(list)) {
    throw new BehaviorConfigError(`${where}: expected a top-level "behaviors:" list`);
  }
  const seen = new Set<string>();
  const behaviors = list.map((entry: unknown, index: number): BehaviorDefinition => {
    const at = `${where}: behaviors[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new BehaviorConfigError(`${at}: expected a mapping`);
    const record = entry as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!KEYS.has(key)) throw new BehaviorConfigError(`${at}: unknown field "${key}" (allowed: ${[...KEYS].join(', ')})`);
    }
    const { name, description, where: expression, objective } = record;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new BehaviorConfigError(`${at}: name: expected a lower-case identifier matching ${NAME.source}, got ${JSON.stringify(name)}`);
    }
    const named = `${where}: behavior "${name}"`;
    if (seen.has(name)) throw new BehaviorConfigError(`${named}: name: declared twice`);
    seen.add(name);
    if (description !== undefined && typeof description !== 'string') throw new BehaviorConfigError(`${named}: description: expected a string`);
    if (expression !== undefined && (typeof expression !== 'string' || expression.trim() === '')) {
      throw new BehaviorConfigError(`${named}: where: expected a non-empty ClickHouse boolean expression`);
    }
    if (typeof expression === 'string' && expression.includes(';')) {
      throw new BehaviorConfigError(`${named}: where: must be a single expression (no ";")`);
    }
    if (objective !== undefined && (typeof objective !== 'number' || !(objective > 0 && objective < 1))) {
      throw new BehaviorConfigError(`${named}: objective: expected a rate strictly between 0 and 1, got ${JSON.stringify(objective)}`);
    }
    const builtin = BUILTIN_BEHAVIORS.find((b) => b.name === name);
    if (builtin !== undefined && expression !== undefined) {
      throw new BehaviorConfigError(`${named}: where: "${name}" is built in; declare only its description or objective`);
    }
    return {
      name,
      description: description ?? builtin?.description ?? '',
      ...(expression === undefined ? {} : { where: expression.trim() }),
      ...(objective === undefined ? {} : { objective }),
    };
  });
  return finish(behaviors, source);
}

function finish(behaviors: BehaviorDefinition[], source: string | undefined): BehaviorConfig {
  const hash = createHash('sha256').update(JSON.stringify(behaviors)).digest('hex').slice(0, 16);
  return { behaviors, hash, source };
}

/** Loads a behaviors file; a missing default file means "no SQL behaviors", a missing explicit one is an error. */
export function loadBehaviorConfig(path: string, required: boolean): BehaviorConfig {
  if (!existsSync(path)) {
    if (required) throw new BehaviorConfigError(`${path}: file not found`);
    return finish([], undefined);
  }
  return parseBehaviorConfig(readFileSync(path, 'utf8'), path);
}
