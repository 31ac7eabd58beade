import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countScorePages, pageMinutes, smallestPassingThreshold } from '../src/index.ts';

describe('page counting', () => {
  it('pages at the start of each firing episode and every repeat interval while firing', () => {
    const firing = [0, 1, 1, 0, 1, ...Array.from({ length: 10 }, () => 1), 0];
    expect(pageMinutes(firing, 0, 4)).toEqual([1, 4, 8, 12]);
    // Warm-up minutes set the state but are not counted.
    expect(pageMinutes(firing, 2, 4)).toEqual([4, 8, 12]);
  });

  it('counts score pages as pageMinutes of score > threshold', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 50 }), (score, threshold, from) => {
        expect(countScorePages(score, threshold, from, 30)).toBe(pageMinutes(score.map((s) => s > threshold), from, 30).length);
      }),
    );
  });

  it('finds the boundary of a monotone page count by bisection', () => {
    // pages(θ) = number of integers in (θ, 100]; at most 7 pages ⇔ θ ≥ 93.
    const h = smallestPassingThreshold((t) => Math.max(0, 100 - Math.floor(t)), 7, 0, 200);
    expect(h).toBeCloseTo(93, 9);
  });
});
