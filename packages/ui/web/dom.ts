/** A tiny element builder: the UI is small enough that a framework would be most of its weight. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** Creates an element; `on*` attributes become listeners, booleans toggle the attribute. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** Kinds of message a page can show instead of (or beside) its content. */
export type MessageKind = 'loading' | 'empty' | 'error' | 'unavailable';

/**
 * A message block that says what is going on and what to do next; never a blank area.
 * Errors are announced (`role="alert"`), the rest are polite status updates.
 */
export function message(kind: MessageKind, title: string, detail?: string | Node): HTMLElement {
  return h(
    'div',
    { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-message': kind },
    h('p', { class: 'message-title' }, title),
    detail === undefined ? null : h('div', { class: 'message-detail' }, detail),
  );
}

/** Formats a rate as a percentage with sensible precision for small rates. */
export function percent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const pct = value * 100;
  if (pct === 0) return '0%';
  if (pct < 0.1) return `${pct.toFixed(3)}%`;
  if (pct < 10) return `${pct.toFixed(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/** "3 of 1,204 calls: 0.25% (95% CI 0.05–0.73%)": a count pair with its interval, never a bare percentage. */
export function rateSentence(r: { hits: number; calls: number; rate: number | null; ci_low: number; ci_high: number }, confidence = 0.95): string {
  if (r.calls === 0) return 'no calls';
  const level = Math.round(confidence * 100);
  return `${r.hits.toLocaleString('en')} of ${r.calls.toLocaleString('en')} calls: ${percent(r.rate)} (${level}% CI ${percent(r.ci_low)}–${percent(r.ci_high)})`;
}

/** A UTC timestamp, short: "2026-01-31 12:05Z". */
export function utcMinute(value: string | number | Date): string {
  return new Date(value).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}
