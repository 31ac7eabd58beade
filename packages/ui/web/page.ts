import type { ViewState } from './state.ts';

/** What a page may ask of the shell: change the URL state (and so the view). */
export interface Shell {
  /** Merges `patch` into the state, writes the URL (a new history entry unless `replace`) and updates the page. */
  update(patch: Partial<ViewState>, options?: { replace?: boolean }): void;
}

/** A mounted page: it receives every state change while it is shown. */
export interface PageView {
  update(state: ViewState): void;
  destroy(): void;
}

/** Labelled form control, so every input has an accessible name. */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  label.className = 'control';
  const span = document.createElement('span');
  span.textContent = text;
  label.append(span, control);
  return label;
}

/** A <select> with the given options. */
export function select(name: string, options: readonly (readonly [value: string, text: string])[]): HTMLSelectElement {
  const element = document.createElement('select');
  element.name = name;
  for (const [value, text] of options) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    element.append(option);
  }
  return element;
}
