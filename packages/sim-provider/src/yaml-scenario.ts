import { parse } from 'yaml';
import type { SimScenario } from './types.ts';

/** Parses a scenario written in YAML (same shape as {@link SimScenario}); checks the parts that must exist. */
export function parseScenarioYaml(text: string): SimScenario {
  const value: unknown = parse(text);
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { rules?: unknown }).rules)) {
    throw new Error('scenario YAML must be a mapping with a `rules` list');
  }
  return value as SimScenario;
}
