import { describe, expect, it } from 'vitest';
import { supportBotScenario } from '../../sim-provider/src/index.ts';
import { configuredWrongSlaRates, runDemo } from '../demo/demo.ts';

describe('demo, end to end', () => {
  it('support-bot traffic reaches the sidecar and the rates by fingerprint show the configured shift', async () => {
    const run = await runDemo({ simulatedMinutes: 60, callsPerMinute: 50 });
    try {
      const configured = configuredWrongSlaRates(supportBotScenario);
      expect([...configured]).toEqual([
        ['fp_sim_a1b2c3', 0.004],
        ['fp_sim_d4e5f6', 0.03],
      ]);
      // Every call was counted, half on each side of the minute-30 fingerprint change.
      expect(run.rates.map((row) => [row.fingerprint, row.calls])).toEqual([
        ['fp_sim_a1b2c3', 1500],
        ['fp_sim_d4e5f6', 1500],
      ]);
      for (const row of run.rates) {
        expect(row.configured).toBeDefined();
        expect([row.fingerprint, row.ciLow <= row.configured! && row.configured! <= row.ciHigh]).toEqual([row.fingerprint, true]);
      }
      const [before, after] = run.rates;
      // The shift is visible: the intervals do not overlap.
      expect(before!.ciHigh).toBeLessThan(after!.ciLow);
    } finally {
      await run.close();
    }
  });
});
