/** A fingerprint as first seen for a model. */
export interface FingerprintFirstSeen {
  model: string;
  fingerprint: string;
  /** Unix seconds of its first minute with live calls. */
  firstSeen: number;
}

/** Label value for calls of fingerprints folded together. */
export const OTHER_FINGERPRINTS = 'other';

/** Label value for calls that carried neither a system fingerprint nor a response model. */
export const NO_FINGERPRINT = 'none';

/** When each fingerprint stops having its own label. */
export interface FingerprintLabels {
  /** `${model}\u001f${fingerprint}` keys and, in the same order, the Unix second from which its calls count as "other". */
  keys: string[];
  foldFrom: number[];
  /** Fingerprints that currently have their own label, per model. */
  current: Map<string, Set<string>>;
}

/** Separator of model and fingerprint in keys: a control character no model name contains. */
export const KEY_SEPARATOR = '\u001f';

/**
 * Chooses which fingerprints get their own `fingerprint` label: per model, the
 * `perModel` most recently first-seen ones. A fingerprint is labelled from its first
 * minute; when a newer one pushes it out, its calls from that moment on count under
 * "other". The choice is a pure function of first-seen times in the durable tables,
 * so every sidecar and every restart agrees on it, and no counter ever goes down:
 * a fingerprint's own series just stops growing (and is no longer exported), while
 * "other" only gains.
 */
export function chooseFingerprintLabels(seen: readonly FingerprintFirstSeen[], perModel: number): FingerprintLabels {
  if (!Number.isInteger(perModel) || perModel < 1) throw new RangeError(`perModel: expected a positive integer, got ${String(perModel)}`);
  const byModel = new Map<string, FingerprintFirstSeen[]>();
  for (const entry of seen) {
    const list = byModel.get(entry.model) ?? [];
    list.push(entry);
    byModel.set(entry.model, list);
  }
  const keys: string[] = [];
  const foldFrom: number[] = [];
  const current = new Map<string, Set<string>>();
  for (const [model, list] of byModel) {
    list.sort((a, b) => a.firstSeen - b.firstSeen || a.fingerprint.localeCompare(b.fingerprint));
    const labelled = new Set<string>();
    list.forEach((entry, i) => {
      const successor = list[i + perModel];
      if (successor === undefined) {
        labelled.add(entry.fingerprint);
        return;
      }
      keys.push(`${model}${KEY_SEPARATOR}${entry.fingerprint}`);
      foldFrom.push(successor.firstSeen);
    });
    current.set(model, labelled);
  }
  return { keys, foldFrom, current };
}
