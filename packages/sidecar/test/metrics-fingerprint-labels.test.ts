import { describe, expect, it } from 'vitest';
import { chooseFingerprintLabels } from '../src/metrics/fingerprint-labels.ts';

describe('fingerprint labels for /metrics', () => {
  const seen = [
    { model: 'm', fingerprint: 'fp_1', firstSeen: 100 },
    { model: 'm', fingerprint: 'fp_3', firstSeen: 300 },
    { model: 'm', fingerprint: 'fp_2', firstSeen: 200 },
    { model: 'n', fingerprint: 'fp_x', firstSeen: 50 },
  ];

  it('keeps the newest per model and folds each older one when its successor appears', () => {
    const labels = chooseFingerprintLabels(seen, 2);
    expect(labels.current).toEqual(new Map([['m', new Set(['fp_2', 'fp_3'])], ['n', new Set(['fp_x'])]]));
    expect(labels.keys).toEqual(['m\u001ffp_1']);
    expect(labels.foldFrom).toEqual([300]);
  });

  it('is independent of input order, so every sidecar agrees', () => {
    expect(chooseFingerprintLabels([...seen].reverse(), 2)).toEqual(chooseFingerprintLabels(seen, 2));
  });

  it('folds nothing while a model has at most the limit', () => {
    expect(chooseFingerprintLabels(seen, 3).keys).toEqual([]);
    expect(() => chooseFingerprintLabels(seen, 0)).toThrow(/perModel/);
  });
});
