import { Ajv, type ValidateFunction } from 'ajv';
import { diag } from '@opentelemetry/api';
import { stableHash } from './hashing.ts';
import type { ToolCall } from './types.ts';

/** Why a tool call is malformed, or null when it is well-formed. */
export type ToolCallProblem = 'invalid_json' | 'schema_violation' | 'unknown_tool' | null;

// strict: false, because provider tool schemas use keywords Ajv does not know (e.g. `strict`).
const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
const validators = new Map<string, ValidateFunction | null>();
const compiled = new Map<string, ValidateFunction>();
const VALIDATOR_LIMIT = 500;

function validatorFor(schema: unknown): ValidateFunction | null {
  // Keyed by the plain JSON (cheap, never stale); schemas equal up to key order share a compiled
  // validator through the canonical-hash map behind it.
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (validator === undefined) {
    const canonical = stableHash(schema);
    try {
      validator = compiled.get(canonical) ?? ajv.compile(schema as object);
      compiled.set(canonical, validator);
    } catch (error) {
      // A schema Ajv cannot compile is the app's business; the call is then only JSON-checked.
      diag.debug('behavior-rate: tool schema does not compile, arguments only JSON-checked', error);
      validator = null;
    }
    if (validators.size >= VALIDATOR_LIMIT) validators.clear();
    if (compiled.size >= VALIDATOR_LIMIT) compiled.clear();
    validators.set(key, validator);
  }
  return validator;
}

/**
 * Checks a tool call against the request's tools: arguments must be JSON and match the
 * tool's JSON schema; a call to a tool the request did not offer is malformed too.
 */
export function toolCallProblem(call: ToolCall, schemas: ReadonlyMap<string, unknown>): ToolCallProblem {
  let parsed: unknown;
  try {
    // Empty arguments mean "no arguments" for tools without parameters.
    parsed = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return 'invalid_json';
  }
  if (schemas.size === 0) return null;
  if (!schemas.has(call.name)) return 'unknown_tool';
  const schema = schemas.get(call.name);
  if (schema === undefined || schema === null || typeof schema !== 'object') return null;
  const validate = validatorFor(schema);
  return validate === null || validate(parsed) ? null : 'schema_violation';
}
