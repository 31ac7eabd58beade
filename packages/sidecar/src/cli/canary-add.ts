import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument } from 'yaml';
import { CANARY_FLAGS, parseCanaryConfig } from '../canary/config.ts';
import { apiUrl, CommandError, getJson, parseOptions, UsageError } from './command.ts';

interface RebuiltCall {
  traceId: string;
  spanId: string;
  behaviors: string[];
  outputText: string;
  body: Record<string, unknown>;
  missing: string[];
  howToSupply: string | null;
}

/** Request fields a canary case may carry (the canary set's own list); others are refused with their names. */
const CASE_FIELDS = new Set(['model', 'messages', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'seed', 'presence_penalty', 'frequency_penalty', 'stop', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'reasoning_effort', 'logit_bias', 'service_tier', 'user']);

const USAGE = `behavior-rate canary add --from-trace TRACE_ID [options]

Turns an incident into a canary case: the call's request, rebuilt from its captured span,
is appended to the canary set, so the input is asked again every canary run.

  --from-trace TRACE_ID  the incident's trace
  --span SPAN_ID         the GenAI call in it (default: the first live one)
  --canaries FILE        the canary set to append to (default ./canaries.yaml; created if absent)
  --id ID                case id (default incident-<first 12 digits of the trace id>)
  --reference TEXT       the right answer; a canary answer normalising to another outcome fails
  --must-not FLAGS       comma-separated: ${CANARY_FLAGS.join(', ')} (default: those the incident showed)
  --allow-missing        add the case even if the span lacked request fields (they are listed)
  --url URL              sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)`;

/** Usage of `behavior-rate canary add`, printed by `canary add --help`. */
export const CANARY_ADD_USAGE = USAGE;

/** `behavior-rate canary add`: the incident's request becomes a case in the canary set. */
export async function canaryAdd(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, {
    'from-trace': { type: 'string' },
    span: { type: 'string' },
    canaries: { type: 'string', default: 'canaries.yaml' },
    id: { type: 'string' },
    reference: { type: 'string' },
    'must-not': { type: 'string' },
    'allow-missing': { type: 'boolean', default: false },
    url: { type: 'string' },
  });
  const traceId = values['from-trace'];
  if (traceId === undefined) throw new UsageError('--from-trace: required (the incident trace id)');
  const params = new URLSearchParams({ traceId });
  if (values.span !== undefined) params.set('spanId', values.span);
  const call = await getJson<RebuiltCall>(apiUrl(values.url), `/api/v1/calls/request?${params}`);
  if (call.missing.includes('model') || call.missing.includes('messages') || (call.missing.length > 0 && !values['allow-missing'])) {
    throw new CommandError(`span ${call.spanId} cannot become a canary case as captured: missing ${call.missing.join(', ')}. ${call.howToSupply ?? ''}${call.missing.includes('messages') ? '' : ' (or --allow-missing)'}`);
  }
  const unsupported = Object.keys(call.body).filter((key) => !CASE_FIELDS.has(key));
  if (unsupported.length > 0) throw new CommandError(`the request has fields a canary case cannot carry: ${unsupported.join(', ')}`);
  const mustNot = values['must-not'] === undefined ? call.behaviors.filter((b) => (CANARY_FLAGS as readonly string[]).includes(b)) : values['must-not'].split(',').map((s) => s.trim()).filter(Boolean);
  const id = values.id ?? `incident-${call.traceId.slice(0, 12)}`;
  const entry: Record<string, unknown> = { id, request: call.body };
  const expect: Record<string, unknown> = {};
  if (mustNot.length > 0) expect.must_not = mustNot;
  if (values.reference !== undefined) expect.reference = values.reference;
  if (Object.keys(expect).length > 0) entry.expect = expect;

  const path = values.canaries;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const document = parseDocument(text === '' ? 'cases: []\n' : text);
  if (document.errors.length > 0) throw new CommandError(`${path}: not valid YAML: ${document.errors[0]?.message.split('\n')[0]}`);
  if (!isMap(document.contents)) throw new CommandError(`${path}: expected a mapping with a "cases:" list`);
  let cases = document.get('cases');
  if (cases === undefined) {
    document.set('cases', document.createNode([]));
    cases = document.get('cases');
  }
  if (!isSeq(cases)) throw new CommandError(`${path}: cases: expected a list`);
  if (cases.items.some((item) => isMap(item) && item.get('id') === id)) throw new CommandError(`${path}: a case "${id}" exists already (--id to choose another)`);
  const comment = `from trace ${call.traceId} span ${call.spanId}${call.outputText === '' ? '' : `; the incident answered: ${call.outputText.replace(/\s+/g, ' ').slice(0, 120)}`}`;
  const node = document.createNode(entry);
  node.commentBefore = ` ${comment}`;
  cases.items.push(node);
  const updated = String(document);
  // The canary set's own parser is the judge: a case it would refuse is never written.
  parseCanaryConfig(updated, path);
  writeFileSync(path, updated);
  console.log(`added case "${id}" to ${path}${call.missing.length > 0 ? ` (not captured, so not in the case: ${call.missing.join(', ')})` : ''}`);
  const sqlBehaviors = call.behaviors.filter((b) => !(CANARY_FLAGS as readonly string[]).includes(b) && b !== 'error');
  if (sqlBehaviors.length > 0) {
    console.log(`${sqlBehaviors.join(', ')} ${sqlBehaviors.length === 1 ? 'is' : 'are'} evaluated by the sidecar on every canary call: behavior-rate rates --behavior ${sqlBehaviors[0]} --source canary`);
  }
}
