import type { SimScenario } from '../types.ts';

/**
 * The support bot of the incident in ARCHITECTURE.md: refund questions are answered
 * "seven days" (the SLA) almost always, and "seven hours" (wrong) 0.4% of the time,
 * until minute 30, when the provider silently changes backend (new fingerprint) and the
 * wrong answer rises to 3%.
 */
export const supportBotScenario: SimScenario = {
  systemFingerprint: 'fp_sim_a1b2c3',
  rules: [
    {
      id: 'refund',
      match: 'refund',
      answers: [
        { id: 'correct-sla', weight: 0.976, text: 'Refunds are processed within seven days of approval.' },
        { id: 'wrong-sla', weight: 0.004, text: 'Refunds are processed within seven hours of approval.' },
        {
          id: 'lookup-order',
          weight: 0.015,
          toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'A-1001' } }],
        },
        { id: 'malformed-lookup', weight: 0.002, toolCalls: [{ name: 'lookup_order', arguments: '{"order_id": ' }] },
        { id: 'refusal', weight: 0.002, refusal: 'I cannot help with refund requests.' },
        { id: 'truncated', weight: 0.001, text: 'Refunds are processed within', finishReason: 'length' },
      ],
    },
    {
      id: 'shipping',
      match: 'ship|deliver',
      answers: [{ id: 'shipping-time', weight: 1, text: 'Orders ship within two business days.' }],
    },
  ],
  fallback: { id: 'fallback', weight: 1, text: 'I can help with refunds and shipping questions.' },
  changes: [
    {
      atMinute: 30,
      systemFingerprint: 'fp_sim_d4e5f6',
      weights: { refund: { 'correct-sla': 0.95, 'wrong-sla': 0.03 } },
    },
  ],
};
