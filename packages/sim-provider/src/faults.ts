import type { Random } from './random.ts';
import type { SimFaults } from './types.ts';

export type FaultKind = 'rate_limited' | 'server_error' | 'timeout' | null;

/** Draws the fault of one request. Always consumes one number, so faults never shift answers. */
export function drawFault(faults: SimFaults, random: Random): FaultKind {
  const roll = random.next();
  const rateLimit = faults.rateLimitRate ?? 0;
  const serverError = faults.serverErrorRate ?? 0;
  const timeout = faults.timeoutRate ?? 0;
  if (roll < rateLimit) return 'rate_limited';
  if (roll < rateLimit + serverError) return 'server_error';
  if (roll < rateLimit + serverError + timeout) return 'timeout';
  return null;
}
