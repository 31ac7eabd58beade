import type { BehaviorListing } from '../api/behaviors.ts';
import { apiUrl, durationOption, getJson, parseOptions, postJson, UsageError, type Command } from './command.ts';
import { percent, table } from './format.ts';

export const behaviorsCommand: Command = {
  name: 'behaviors',
  summary: 'list behaviors, or re-evaluate history after behaviors.yaml changed',
  usage: `behavior-rate behaviors [list] [--json] [--url URL]
behavior-rate behaviors reevaluate --since DURATION [--url URL]

  list          every behavior a rate can be asked for: built-in, SQL (behaviors.yaml), flags seen in the data
  reevaluate    recompute the behaviors of calls in whole UTC days covering the last DURATION (e.g. 7d)
                under the definitions the running sidecar loaded; raw spans are never changed
  --url URL     sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)`,
  async run(argv) {
    const [action = 'list', ...rest] = argv[0]?.startsWith('--') ? ['list', ...argv] : argv;
    const { values } = parseOptions(rest, { json: { type: 'boolean', default: false }, since: { type: 'string' }, url: { type: 'string' } });
    const base = apiUrl(values.url);
    if (action === 'list') {
      const { behaviors } = await getJson<{ behaviors: BehaviorListing[] }>(base, '/api/v1/behaviors');
      if (values.json) return console.log(JSON.stringify(behaviors, null, 2));
      console.log(table(['behavior', 'kind', 'objective', 'seen', 'definition'], behaviors.map((b) => [b.name, b.kind, b.objective === null ? '' : percent(b.objective), b.observed ? 'yes' : 'no', b.where ?? b.description])));
      return;
    }
    if (action !== 'reevaluate') throw new UsageError(`unknown action "${action}" (list or reevaluate)`);
    if (values.since === undefined) throw new UsageError('--since: required, e.g. --since 7d');
    const to = new Date();
    const from = new Date(to.getTime() - durationOption('since', values.since));
    const body = await postJson<{ reevaluated_days: string[] }>(base, '/api/v1/behaviors/reevaluate', { from: from.toISOString(), to: to.toISOString() });
    console.log(`re-evaluated ${body.reevaluated_days.length} days: ${body.reevaluated_days.join(', ')}`);
  },
};
