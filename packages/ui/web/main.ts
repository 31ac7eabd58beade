import './styles.css';
import { behaviorsOnce } from './api.ts';
import { message } from './dom.ts';
import type { PageView, Shell } from './page.ts';
import { driftPage } from './pages/drift.ts';
import { incidentsPage } from './pages/incidents.ts';
import { ratesPage } from './pages/rates.ts';
import { formatState, parseState, type Page, type ViewState } from './state.ts';

const PAGE_TITLES: Record<Page, string> = { rates: 'Rates', drift: 'Drift', incidents: 'Incidents' };
const mount: Record<Page, (root: HTMLElement, shell: Shell) => PageView> = { rates: ratesPage, drift: driftPage, incidents: incidentsPage };

// Every page needs the behaviors list; start asking before anything is drawn.
behaviorsOnce().catch(() => undefined);

const main = document.getElementById('main') as HTMLElement;
let shown: { page: Page; view: PageView } | null = null;

/** Shows the page the URL names, reusing it when only its parameters changed (keeps focus in its controls). */
function render(): void {
  const state = parseState(location.search);
  document.title = `${PAGE_TITLES[state.page]} · behavior-rate`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-page]')) {
    if (link.dataset.page === state.page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (shown?.page !== state.page) {
    shown?.view.destroy();
    main.replaceChildren();
    try {
      shown = { page: state.page, view: mount[state.page](main, shell) };
    } catch (error) {
      shown = null;
      main.replaceChildren(message('error', 'This page failed to start.', String((error as Error).message)));
      return;
    }
  }
  shown.view.update(state);
}

const shell: Shell = {
  update(patch, options = {}) {
    const next: ViewState = { ...parseState(location.search), ...patch };
    const search = formatState(next);
    const href = `${location.pathname}${search}`;
    if (options.replace === true) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    render();
  },
};

// Page links are handled in place so the shell keeps its state; modified clicks open new tabs as usual.
document.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest?.('nav a[data-page]') as HTMLAnchorElement | null;
  if (link === null || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  const page = link.dataset.page as Page;
  const current = parseState(location.search);
  // The range carries across pages; page-specific parameters do not.
  shell.update({ page, trace: page === 'incidents' ? current.trace : '', incident: '' });
  main.focus();
});
window.addEventListener('popstate', render);
// Colours are read from CSS when drawing, so redraw when the system theme flips.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  shown?.view.destroy();
  shown = null;
  main.replaceChildren();
  render();
});
render();
