import { describe, expect, it } from 'vitest';
import { formatState, parseState, stepFor, timeRange, type ViewState } from '../web/state.ts';

describe('URL state', () => {
  it('round-trips every field through the query string', () => {
    const state: ViewState = {
      page: 'incidents',
      behavior: 'wrong_sla',
      by: 'traffic_class',
      range: 'custom',
      from: '2026-01-31T10:00:00.000Z',
      to: '2026-01-31T12:00:00.000Z',
      source: 'canary',
      trace: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      incident: 'inc_123',
    };
    expect(parseState(formatState(state))).toEqual(state);
  });

  it('leaves defaults out of links and reads an empty query as the default view', () => {
    const empty = parseState('');
    expect(empty).toEqual({ page: 'rates', behavior: '', by: '', range: '24h', from: '', to: '', source: 'live', trace: '', incident: '' });
    expect(formatState(empty)).toBe('');
    expect(formatState({ ...empty, range: '7d', by: 'fingerprint' })).toBe('?by=fingerprint&range=7d');
  });

  it('falls back to defaults for values it does not know, instead of failing', () => {
    const state = parseState('?page=admin&by=password&range=1y&source=prod&trace=not-hex&from=yesterday&to=today');
    expect(state).toMatchObject({ page: 'rates', by: '', range: '24h', source: 'live', trace: '', from: '', to: '' });
  });

  it('ignores a custom range that ends before it starts', () => {
    expect(parseState('?from=2026-01-31T12:00:00Z&to=2026-01-31T10:00:00Z').range).toBe('24h');
  });
});

describe('time range and step', () => {
  it('ends a preset at the next whole minute', () => {
    const now = Date.parse('2026-01-31T12:00:30Z');
    const range = timeRange(parseState('?range=6h'), now);
    expect(range.to.toISOString()).toBe('2026-01-31T12:01:00.000Z');
    expect(range.from.toISOString()).toBe('2026-01-31T06:01:00.000Z');
  });

  it('keeps the number of points between 36 and 720 for every preset', () => {
    const now = Date.parse('2026-01-31T12:00:00Z');
    const seconds = { '1m': 60, '5m': 300, '1h': 3600 };
    for (const preset of ['1h', '6h', '24h', '7d', '30d'] as const) {
      const { from, to } = timeRange(parseState(`?range=${preset}`), now);
      const points = (to.getTime() - from.getTime()) / 1000 / seconds[stepFor(from, to)];
      expect(points, preset).toBeGreaterThanOrEqual(36);
      expect(points, preset).toBeLessThanOrEqual(720);
    }
  });
});
