import { describe, expect, it } from 'vitest';
import { requestRandom } from '../src/random.ts';
import { compileScenario } from '../src/scenario.ts';
import { parseScenarioYaml, supportBotScenario } from '../src/index.ts';

function wrongSlaCount(minute: number, draws: number, seed: number): number {
  const scenario = compileScenario(supportBotScenario);
  let wrong = 0;
  for (let seq = 0; seq < draws; seq++) {
    if (scenario.draw('How long does my refund take?', minute, requestRandom(seed, seq)).answer.id === 'wrong-sla') wrong++;
  }
  return wrong;
}

describe('support-bot scenario', () => {
  it('draws the wrong-SLA answer at about 0.4% before minute 30 and 3% after', () => {
    const draws = 50_000;
    const before = wrongSlaCount(0, draws, 11);
    const after = wrongSlaCount(30, draws, 11);
    // Within 4 standard deviations of the configured binomial rates.
    const within = (count: number, p: number) => Math.abs(count - draws * p) < 4 * Math.sqrt(draws * p * (1 - p));
    expect([within(before, 0.004), within(after, 0.03)]).toEqual([true, true]);
  });

  it('changes the fingerprint at minute 30 and keeps it', () => {
    const scenario = compileScenario(supportBotScenario);
    expect([0, 29, 30, 600].map((minute) => scenario.stateAt(minute).systemFingerprint)).toEqual([
      'fp_sim_a1b2c3',
      'fp_sim_a1b2c3',
      'fp_sim_d4e5f6',
      'fp_sim_d4e5f6',
    ]);
  });

  it('falls back when no rule matches', () => {
    const draw = compileScenario(supportBotScenario).draw('hello there', 0, requestRandom(1, 0));
    expect([draw.ruleId, draw.answer.id]).toEqual([null, 'fallback']);
  });

  it('parses YAML scenarios and rejects ones without rules', () => {
    const scenario = parseScenarioYaml(`
systemFingerprint: fp_yaml
rules:
  - id: greet
    match: hello
    answers:
      - { id: hi, weight: 1, text: Hi! }
changes:
  - atMinute: 5
    systemFingerprint: fp_yaml_2
`);
    const compiled = compileScenario(scenario);
    expect([compiled.draw('hello', 0, requestRandom(1, 0)).answer.text, compiled.stateAt(5).systemFingerprint]).toEqual(['Hi!', 'fp_yaml_2']);
    expect(() => parseScenarioYaml('answers: []')).toThrow(/rules/);
  });

  it('rejects negative weights and empty rules', () => {
    expect(() => compileScenario({ rules: [{ id: 'r', match: 'x', answers: [] }] })).toThrow(/no answers/);
    expect(() => compileScenario({ rules: [{ id: 'r', match: 'x', answers: [{ id: 'a', weight: -1 }] }] })).toThrow(/weight/);
  });
});
