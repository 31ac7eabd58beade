/** A seeded generator of floats in [0, 1). */
export interface Random {
  next(): number;
  /** Lower-case hex id of `length` characters. */
  hex(length: number): string;
}

// FNV-1a, so that (seed, seq) pairs spread over the 32-bit state space.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * mulberry32: tiny and good enough for drawing answers. Each request gets its own generator
 * derived from (seed, arrival index), so a replayed request sequence draws the same answers.
 */
export function requestRandom(seed: number, seq: number): Random {
  let state = fnv1a(`${seed}:${seq}`);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (length: number): string => {
    let out = '';
    while (out.length < length) out += Math.floor(next() * 16).toString(16);
    return out;
  };
  return { next, hex };
}
