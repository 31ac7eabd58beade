import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_NORMALISER, SIMPLE_STEPS, type NormaliseStep } from './normalise.ts';

/**
 * Behaviors the canary runner can see on an answer by itself, so a case may require
 * that they never appear. (Behaviors declared in behaviors.yaml are still evaluated
 * on every canary call by the calls view: ask for their rate with source=canary.)
 */
export const CANARY_FLAGS = ['refusal', 'truncated', 'content_filtered', 'empty_output', 'malformed_tool_call'] as const;
export type CanaryFlag = (typeof CANARY_FLAGS)[number];

/** What counts as the expected outcome of a case. Every part is optional. */
export interface CanaryExpectation {
  /** Behaviors that must not appear. */
  mustNot: CanaryFlag[];
  /** Reference answer: passes when it normalises to the same outcome as the answer. */
  reference?: string;
  /** Pattern the raw answer text must match. */
  match?: RegExp;
}

/** One canary case: a fixed request, and how to read its answer. */
export interface CanaryCase {
  id: string;
  /** The chat-completions request body, defaults merged in. Never streamed. */
  request: Record<string, unknown> & { model: string };
  expect: CanaryExpectation;
  normalise: readonly NormaliseStep[];
}

export interface CanaryConfig {
  cases: CanaryCase[];
  /** The file it came from. */
  source: string;
  /** Hash of the file's text, to tell which canary set produced a run. */
  hash: string;
}

export class CanaryConfigError extends Error {
  override readonly name = 'CanaryConfigError';
}

/** Case ids become span attributes and table keys: printable, short, unique. */
const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** A canary set larger than this would not finish a run inside a minute at any sane concurrency. */
export const MAX_CASES = 1000;
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const TOP_KEYS = new Set(['defaults', 'cases']);
const CASE_KEYS = new Set(['id', 'request', 'expect', 'normalise']);
const EXPECT_KEYS = new Set(['must_not', 'reference', 'match']);

type Check = (value: unknown) => string | undefined;

const number = (min: number, max: number): Check => (value) =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? undefined : `expected a number from ${min} to ${max}`;
const positiveInteger: Check = (value) => (Number.isSafeInteger(value) && (value as number) > 0 ? undefined : 'expected a positive integer');
const integer: Check = (value) => (Number.isSafeInteger(value) ? undefined : 'expected an integer');
const object: Check = (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? undefined : 'expected a mapping');
const oneOf = (values: string[]): Check => (value) => (typeof value === 'string' && values.includes(value) ? undefined : `expected one of ${values.join(', ')}`);

/**
 * Chat-completions parameters a case may set, with their checks. Anything else is
 * refused, so a typo ("temprature") cannot silently leave a parameter at its default.
 * `stream` and `n` are absent on purpose: a run reads one whole answer.
 */
const REQUEST_PARAMS: Record<string, Check> = {
  model: (value) => (typeof value === 'string' && value.trim() !== '' ? undefined : 'expected a model name'),
  messages: () => undefined, // checked in depth by checkMessages
  temperature: number(0, 2),
  top_p: number(0, 1),
  max_tokens: positiveInteger,
  max_completion_tokens: positiveInteger,
  seed: integer,
  presence_penalty: number(-2, 2),
  frequency_penalty: number(-2, 2),
  stop: (value) =>
    typeof value === 'string' || (Array.isArray(value) && value.length <= 4 && value.every((s) => typeof s === 'string'))
      ? undefined
      : 'expected a string or a list of up to 4 strings',
  tools: () => undefined, // checked in depth by checkTools
  tool_choice: (value) => (typeof value === 'string' ? oneOf(['none', 'auto', 'required'])(value) : object(value)),
  parallel_tool_calls: (value) => (typeof value === 'boolean' ? undefined : 'expected true or false'),
  response_format: object,
  reasoning_effort: oneOf(['minimal', 'low', 'medium', 'high']),
  logit_bias: object,
  service_tier: (value) => (typeof value === 'string' ? undefined : 'expected a string'),
  user: (value) => (typeof value === 'string' ? undefined : 'expected a string'),
};

/** Parses and validates canaries YAML; every error names the case and the field. */
export function parseCanaryConfig(text: string, source: string): CanaryConfig {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new CanaryConfigError(`${source}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new CanaryConfigError(`${source}: expected a mapping with a "cases:" list`);
  }
  const top = document as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!TOP_KEYS.has(key)) throw new CanaryConfigError(`${source}: unknown top-level field "${key}" (allowed: ${[...TOP_KEYS].join(', ')})`);
  }
  const defaults = top['defaults'] ?? {};
  if (object(defaults) !== undefined) throw new CanaryConfigError(`${source}: defaults: expected a mapping of request fields`);
  checkRequestFields(defaults as Record<string, unknown>, `${source}: defaults`, false);
  const list = top['cases'];
  if (!Array.isArray(list) || list.length === 0) throw new CanaryConfigError(`${source}: cases: expected a non-empty list`);
  if (list.length > MAX_CASES) throw new CanaryConfigError(`${source}: cases: ${list.length} cases; at most ${MAX_CASES}`);
  const seen = new Set<string>();
  const cases = list.map((entry: unknown, index: number) => parseCase(entry, index, defaults as Record<string, unknown>, source, seen));
  return { cases, source, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

function parseCase(entry: unknown, index: number, defaults: Record<string, unknown>, source: string, seen: Set<string>): CanaryCase {
  if (object(entry) !== undefined) throw new CanaryConfigError(`${source}: cases[${index}]: expected a mapping with id and request`);
  const record = entry as Record<string, unknown>;
  const id = record['id'];
  if (typeof id !== 'string' || !CASE_ID.test(id)) {
    throw new CanaryConfigError(`${source}: cases[${index}]: id: expected letters, digits and _ . : - (at most 128), got ${JSON.stringify(id)}`);
  }
  const at = `${source}: case "${id}"`;
  if (seen.has(id)) throw new CanaryConfigError(`${at}: id: used by another case`);
  seen.add(id);
  for (const key of Object.keys(record)) {
    if (!CASE_KEYS.has(key)) throw new CanaryConfigError(`${at}: unknown field "${key}" (allowed: ${[...CASE_KEYS].join(', ')})`);
  }
  const own = record['request'];
  if (object(own) !== undefined) throw new CanaryConfigError(`${at}: request: expected a mapping with messages (and model, unless defaults give one)`);
  const request = { ...defaults, ...(own as Record<string, unknown>) };
  checkRequestFields(own as Record<string, unknown>, `${at}: request`, false);
  checkRequestFields(request, `${at}: request`, true);
  const normaliseSteps = record['normalise'] === undefined ? DEFAULT_NORMALISER : parseNormaliser(record['normalise'], `${at}: normalise`);
  return {
    id,
    request: request as CanaryCase['request'],
    expect: parseExpectation(record['expect'], `${at}: expect`),
    normalise: normaliseSteps,
  };
}

function checkRequestFields(request: Record<string, unknown>, at: string, complete: boolean): void {
  for (const [key, value] of Object.entries(request)) {
    const check = REQUEST_PARAMS[key];
    if (check === undefined) {
      const hint = key === 'stream' || key === 'n' ? ' (a canary run reads one whole answer)' : ` (allowed: ${Object.keys(REQUEST_PARAMS).join(', ')})`;
      throw new CanaryConfigError(`${at}.${key}: not a supported request field${hint}`);
    }
    const problem = check(value);
    if (problem !== undefined) throw new CanaryConfigError(`${at}.${key}: ${problem}, got ${JSON.stringify(value)}`);
  }
  if (request['messages'] !== undefined) checkMessages(request['messages'], `${at}.messages`);
  if (request['tools'] !== undefined) checkTools(request['tools'], `${at}.tools`);
  if (!complete) return;
  if (request['model'] === undefined) throw new CanaryConfigError(`${at}.model: required (here or in defaults)`);
  if (request['messages'] === undefined) throw new CanaryConfigError(`${at}.messages: required`);
}

function checkMessages(messages: unknown, at: string): void {
  if (!Array.isArray(messages) || messages.length === 0) throw new CanaryConfigError(`${at}: expected a non-empty list of messages`);
  messages.forEach((message: unknown, i: number) => {
    const here = `${at}[${i}]`;
    if (object(message) !== undefined) throw new CanaryConfigError(`${here}: expected a mapping with role and content`);
    const { role, content, tool_calls: toolCalls } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw new CanaryConfigError(`${here}.role: expected one of ${[...ROLES].join(', ')}, got ${JSON.stringify(role)}`);
    }
    const contentOk = typeof content === 'string' || Array.isArray(content) || (role === 'assistant' && (content === null || content === undefined) && Array.isArray(toolCalls));
    if (!contentOk) throw new CanaryConfigError(`${here}.content: expected text (or a list of content parts)`);
  });
}

function checkTools(tools: unknown, at: string): void {
  if (!Array.isArray(tools)) throw new CanaryConfigError(`${at}: expected a list of tools`);
  tools.forEach((tool: unknown, i: number) => {
    const fn = (tool as { type?: unknown; function?: { name?: unknown } } | null)?.function;
    if ((tool as { type?: unknown } | null)?.type !== 'function' || typeof fn?.name !== 'string' || fn.name === '') {
      throw new CanaryConfigError(`${at}[${i}]: expected { type: function, function: { name, parameters } }`);
    }
  });
}

function parseExpectation(value: unknown, at: string): CanaryExpectation {
  if (value === undefined) return { mustNot: [] };
  if (object(value) !== undefined) throw new CanaryConfigError(`${at}: expected a mapping (must_not, reference, match)`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!EXPECT_KEYS.has(key)) throw new CanaryConfigError(`${at}.${key}: unknown field (allowed: ${[...EXPECT_KEYS].join(', ')})`);
  }
  const expectation: CanaryExpectation = { mustNot: [] };
  const mustNot = record['must_not'];
  if (mustNot !== undefined) {
    if (!Array.isArray(mustNot)) throw new CanaryConfigError(`${at}.must_not: expected a list of behaviors`);
    for (const name of mustNot) {
      if (typeof name !== 'string' || !(CANARY_FLAGS as readonly string[]).includes(name)) {
        throw new CanaryConfigError(`${at}.must_not: unknown behavior ${JSON.stringify(name)}; the runner can check ${CANARY_FLAGS.join(', ')}`);
      }
      expectation.mustNot.push(name as CanaryFlag);
    }
  }
  const reference = record['reference'];
  if (reference !== undefined) {
    if (typeof reference !== 'string') throw new CanaryConfigError(`${at}.reference: expected the reference answer as text`);
    expectation.reference = reference;
  }
  if (record['match'] !== undefined) expectation.match = regex(record['match'], `${at}.match`);
  return expectation;
}

function parseNormaliser(value: unknown, at: string): NormaliseStep[] {
  if (!Array.isArray(value)) throw new CanaryConfigError(`${at}: expected a list of steps (${SIMPLE_STEPS.join(', ')}, extract, classes)`);
  return value.map((step: unknown, i: number): NormaliseStep => {
    const here = `${at}[${i}]`;
    if (typeof step === 'string') {
      if ((SIMPLE_STEPS as readonly string[]).includes(step)) return { kind: step as (typeof SIMPLE_STEPS)[number] };
      throw new CanaryConfigError(`${here}: unknown step ${JSON.stringify(step)} (allowed: ${SIMPLE_STEPS.join(', ')}, { extract: REGEX }, { classes: { LABEL: REGEX } })`);
    }
    if (object(step) !== undefined || Object.keys(step as object).length !== 1) {
      throw new CanaryConfigError(`${here}: expected a step name or a one-key mapping ({ extract: REGEX } or { classes: { LABEL: REGEX } })`);
    }
    const [[key, argument]] = Object.entries(step as Record<string, unknown>) as [[string, unknown]];
    if (key === 'extract') return { kind: 'extract', pattern: regex(argument, `${here}.extract`) };
    if (key === 'classes') {
      if (object(argument) !== undefined || Object.keys(argument as object).length === 0) {
        throw new CanaryConfigError(`${here}.classes: expected a mapping of label → regex`);
      }
      return {
        kind: 'classes',
        classes: Object.entries(argument as Record<string, unknown>).map(([label, pattern]) => ({ label, pattern: regex(pattern, `${here}.classes.${label}`) })),
      };
    }
    throw new CanaryConfigError(`${here}: unknown step "${key}" (allowed: extract, classes)`);
  });
}

function regex(value: unknown, at: string): RegExp {
  if (typeof value !== 'string' || value === '') throw new CanaryConfigError(`${at}: expected a regular expression`);
  try {
    return new RegExp(value, 'u');
  } catch (error) {
    throw new CanaryConfigError(`${at}: invalid regular expression: ${(error as Error).message}`);
  }
}

/** Reads and validates a canaries file. */
export function loadCanaryConfig(path: string): CanaryConfig {
  if (!existsSync(path)) throw new CanaryConfigError(`${path}: file not found`);
  return parseCanaryConfig(readFileSync(path, 'utf8'), path);
}
