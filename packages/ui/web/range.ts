import { h } from './dom.ts';
import { labelled, select, type Shell } from './page.ts';
import { timeRange, type RANGE_PRESETS, type ViewState } from './state.ts';

const PRESET_LABELS: Record<keyof typeof RANGE_PRESETS, string> = { '1h': 'Last hour', '6h': 'Last 6 hours', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' };

/** `datetime-local` works in local time; the URL keeps UTC ISO strings. */
function toLocalInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/**
 * The time range picker: presets plus a custom from/to. Choosing "Custom…" starts
 * from the range currently shown, so the user adjusts rather than retypes.
 */
export function rangeControls(shell: Shell): { element: HTMLElement; sync(state: ViewState): void } {
  const preset = select('range', [...Object.entries(PRESET_LABELS), ['custom', 'Custom…']] as [string, string][]);
  const from = h('input', { type: 'datetime-local', name: 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to' });
  const apply = h('button', { type: 'submit' }, 'Apply');
  const custom = h('span', { class: 'custom-range' }, labelled('From', from), labelled('To', to), apply);
  const form = h('form', { class: 'range', 'aria-label': 'Time range' }, labelled('Time range', preset), custom);
  let current: ViewState | null = null;
  preset.addEventListener('change', () => {
    if (current === null) return;
    if (preset.value === 'custom') {
      const range = timeRange(current);
      shell.update({ range: 'custom', from: range.from.toISOString(), to: range.to.toISOString() });
      from.focus();
    } else shell.update({ range: preset.value as ViewState['range'], from: '', to: '' });
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const start = new Date(from.value);
    const end = new Date(to.value);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
      to.setCustomValidity('"To" must be after "From"');
      to.reportValidity();
      return;
    }
    to.setCustomValidity('');
    shell.update({ range: 'custom', from: start.toISOString(), to: end.toISOString() });
  });
  return {
    element: form,
    sync(state) {
      current = state;
      preset.value = state.range;
      custom.hidden = state.range !== 'custom';
      if (state.range === 'custom') {
        from.value = toLocalInput(new Date(state.from));
        to.value = toLocalInput(new Date(state.to));
      }
    },
  };
}
