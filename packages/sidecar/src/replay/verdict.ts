import { clopperPearsonUpper, twoProportionZTest, type BehaviorRate } from '@behavior-rate/stats';
import { percent } from '../cli/format.ts';

/** What a verdict is computed from. */
export interface VerdictInput {
  behavior: string;
  /** Replays that completed, and how many showed the behavior. */
  replays: BehaviorRate;
  failed: number;
  /** Whether the incident call itself is flagged with the behavior in the store. */
  incidentShowed: boolean | null;
  /** Live rate in the incident window, when known. */
  production: BehaviorRate | null;
  incidentFingerprint: string | null;
  replayFingerprints: string[];
}

/** The verdict: a kind a program can test, and sentences a person can read. */
export interface Verdict {
  kind: 'reproduced' | 'not_reproduced' | 'no_replays';
  /** One-sided 95% upper bound on the replay rate (exact Clopper–Pearson). */
  upperBound: number | null;
  /** Whether production's window rate is consistent with the replays; null without production calls. */
  consistentWithProduction: boolean | null;
  text: string;
}

/**
 * Plain language: says whether the replays reproduced the report, and gives the rate or
 * its bound. Never softens an absence: no "likely transient", no "investigation ongoing".
 */
export function replayVerdict(input: VerdictInput): Verdict {
  const { behavior, replays } = input;
  const n = replays.calls;
  const k = replays.hits;
  const sentences: string[] = [];
  let kind: Verdict['kind'];
  let upperBound: number | null = null;
  let consistent: boolean | null = null;
  const prod = input.production !== null && input.production.calls > 0 ? input.production : null;
  const prodText = prod === null ? '' : `${prod.hits} of ${prod.calls} live calls in the incident window (${percent(prod.rate)}, 95% CI ${percent(prod.ci_low)}–${percent(prod.ci_high)})`;
  if (n === 0) {
    kind = 'no_replays';
    sentences.push(`No replay completed${input.failed > 0 ? ` (${input.failed} failed)` : ''}, so there is no replay estimate of the ${behavior} rate on this input.`);
    if (prod !== null) sentences.push(`The only rate available is production's: ${prodText}.`);
  } else if (k === 0) {
    kind = 'not_reproduced';
    upperBound = clopperPearsonUpper(0, n, 0.95);
    sentences.push(`0 of ${n} replays showed ${behavior}: the replays did not reproduce the report.`);
    sentences.push(`On this input the rate is below ${percent(upperBound)} (one-sided 95% upper bound); a single occurrence in production is consistent with a rate this low.`);
    if (prod !== null) {
      consistent = prod.ci_low <= upperBound;
      sentences.push(
        consistent
          ? `Production shows ${prodText}, which is consistent with that bound.`
          : `Production shows ${prodText}, above what the replays allow: the conditions at the incident differ from the replays' (backend, context or inputs we do not control).`,
      );
    }
  } else {
    kind = 'reproduced';
    upperBound = clopperPearsonUpper(k, n, 0.95);
    sentences.push(`${k} of ${n} replays showed ${behavior}: ${percent(replays.rate)} (95% CI ${percent(replays.ci_low)}–${percent(replays.ci_high)}). The report is reproduced: this input produces it at that rate.`);
    if (prod !== null) {
      const test = twoProportionZTest(k, n, prod.hits, prod.calls);
      consistent = test.pValue >= 0.05;
      sentences.push(
        consistent
          ? `Production shows ${prodText}; the two rates do not differ significantly (two-proportion test p = ${test.pValue.toFixed(2)}).`
          : `Production shows ${prodText}; the two rates differ (two-proportion test p = ${test.pValue < 0.001 ? '< 0.001' : test.pValue.toFixed(3)}): this input is ${test.diff > 0 ? 'worse' : 'better'} than the average live call.`,
      );
    }
  }
  if (input.incidentShowed === false) sentences.push(`The incident call itself is not flagged ${behavior} by the stored behaviors.`);
  if (input.failed > 0 && n > 0) sentences.push(`${input.failed} replays failed and are not in these counts.`);
  if (input.incidentFingerprint === null) {
    sentences.push('The incident span carries no fingerprint, so whether the replays ran on the same backend cannot be determined.');
  } else if (input.replayFingerprints.length > 0 && !input.replayFingerprints.includes(input.incidentFingerprint)) {
    sentences.push(`The replays ran on ${input.replayFingerprints.join(', ')}, the incident on ${input.incidentFingerprint}: this measures the current backend, not the incident's.`);
  }
  return { kind, upperBound, consistentWithProduction: consistent, text: sentences.join(' ') };
}
