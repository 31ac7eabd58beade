import { ApiError, behaviorsOnce, getJson, postJson, withQuery } from '../api.ts';
import { h, message, utcMinute } from '../dom.ts';
import { labelled, type PageView, type Shell } from '../page.ts';
import type { ViewState } from '../state.ts';
import { errorMessage } from './rates.ts';

interface ReplayProgress {
  total: number;
  done: number;
  completed: number;
  failed: number;
  retries: number;
}

interface IncidentView {
  incidentId: string;
  traceId: string;
  behavior: string;
  state: 'replaying' | 'ready';
  replayNote: string;
  replay: { state: 'running' | 'done' | 'failed'; progress: ReplayProgress; error: string | null } | null;
  postmortem: string;
}

/** A recent call that showed a behavior (GET /api/v1/calls). */
interface FlaggedCall {
  timestamp: string;
  trace_id: string;
  service: string;
  request_model: string;
  fingerprint: string;
  output_preview: string;
}

/** How far back the flagged-call picker looks. */
const FLAGGED_LOOKBACK_MS = 24 * 3600_000;

/** How often a running replay is polled for progress. */
const POLL_MS = 500;
/** Polling stops after this long; the page then says so instead of spinning forever. */
const POLL_LIMIT_MS = 30 * 60_000;

/** Incidents: open an incident from a trace id, replay it against the provider with live progress, read the postmortem. */
export function incidentsPage(root: HTMLElement, shell: Shell): PageView {
  const trace = h('input', { name: 'trace', required: true, pattern: '[0-9a-fA-F]{32}', size: 36, autocomplete: 'off', spellcheck: 'false', class: 'mono', 'aria-describedby': 'trace-help' });
  const behavior = h('select', { name: 'behavior' }, h('option', { value: '' }, 'The one the call showed'));
  const replays = h('input', { name: 'replays', type: 'number', min: 0, max: 10000, value: 100, required: true });
  const concurrency = h('input', { name: 'concurrency', type: 'number', min: 1, max: 256, value: 8, required: true });
  const endpoint = h('input', { name: 'endpoint', type: 'url', placeholder: 'the sidecar’s default', size: 32 });
  const allowMissing = h('input', { name: 'allowMissing', type: 'checkbox' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Open incident and replay');
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Open an incident' },
    labelled('Trace id', trace),
    labelled('Reported behavior', behavior),
    labelled('Replays', replays),
    labelled('Concurrency', concurrency),
    labelled('Provider endpoint (OpenAI-compatible, with /v1)', endpoint),
    h('label', { class: 'control checkbox' }, h('span', {}, 'Replay even if some request fields were not captured'), allowMissing),
    submit,
  );
  const body = h('div', { class: 'incident stack', 'aria-live': 'polite' });
  const flagged = h('div', { class: 'flagged stack', 'aria-live': 'polite' });
  root.append(
    h('h2', {}, 'Incidents'),
    h('p', { id: 'trace-help', class: 'muted' }, 'Enter the trace id of the bad output (32 hex characters, from your logs or tracing UI), or choose the reported behavior and pick one of the recent calls that showed it. The sidecar replays its exact request, estimates how often the behavior occurs with an interval, and drafts the postmortem.'),
    form,
    flagged,
    body,
  );
  let flaggedGeneration = 0;

  /** Lists the last day's calls that showed the chosen behavior; picking one fills the trace id. */
  async function listFlagged(): Promise<void> {
    const mine = ++flaggedGeneration;
    if (behavior.value === '') {
      flagged.replaceChildren();
      return;
    }
    flagged.replaceChildren(message('loading', `Looking for recent calls that showed ${behavior.value}…`));
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - FLAGGED_LOOKBACK_MS);
    try {
      const answer = await getJson<{ calls: FlaggedCall[] }>(withQuery('/api/v1/calls', { behavior: behavior.value, from: from.toISOString(), to: to.toISOString(), limit: '20' }));
      if (mine !== flaggedGeneration) return;
      if (answer.calls.length === 0) {
        flagged.replaceChildren(message('empty', `No live call showed ${behavior.value} in the last 24 hours.`, 'Enter a trace id instead.'));
        return;
      }
      const rows = answer.calls.map((call) => {
        const pick = h('button', { type: 'button', class: 'link mono' }, call.trace_id);
        pick.addEventListener('click', () => {
          trace.value = call.trace_id;
          trace.focus();
        });
        return h('tr', {}, h('td', {}, utcMinute(call.timestamp)), h('td', {}, pick), h('td', {}, call.service), h('td', {}, call.request_model), h('td', { class: 'mono' }, call.fingerprint), h('td', {}, call.output_preview === '' ? '(content not captured)' : call.output_preview));
      });
      flagged.replaceChildren(
        h('h3', {}, `Recent calls that showed ${behavior.value}`),
        h('table', {}, h('thead', {}, h('tr', {}, ...['Minute (UTC)', 'Trace — pick to investigate', 'Service', 'Model', 'Fingerprint', 'Answer'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows)),
      );
    } catch (error) {
      if (mine === flaggedGeneration) flagged.replaceChildren(errorMessage(error));
    }
  }
  behavior.addEventListener('change', () => void listFlagged());
  let generation = 0;
  let shownIncident = '';

  behaviorsOnce().then(
    (behaviors) => behavior.append(...behaviors.map((b) => h('option', { value: b.name }, b.name))),
    () => undefined, // The select keeps its default; opening the incident will report the error.
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void open();
  });

  async function open(): Promise<void> {
    submit.disabled = true;
    const mine = ++generation;
    body.replaceChildren(message('loading', 'Opening the incident…'));
    try {
      const incident = await postJson<IncidentView>('/api/v1/incidents', {
        traceId: trace.value.trim().toLowerCase(),
        replays: Number(replays.value),
        concurrency: Number(concurrency.value),
        ...(behavior.value === '' ? {} : { behavior: behavior.value }),
        ...(endpoint.value.trim() === '' ? {} : { endpoint: endpoint.value.trim() }),
        ...(allowMissing.checked ? { allowMissing: true } : {}),
      });
      if (mine !== generation) return;
      shownIncident = incident.incidentId;
      shell.update({ trace: incident.traceId, incident: incident.incidentId });
      await follow(incident, mine);
    } catch (error) {
      if (mine === generation) body.replaceChildren(errorMessage(error));
    } finally {
      submit.disabled = false;
    }
  }

  /** Shows progress until the replays finish, then the postmortem. */
  async function follow(first: IncidentView, mine: number): Promise<void> {
    let incident = first;
    const started = Date.now();
    const progress = h('progress', { class: 'progress', max: 1, value: 0, 'aria-label': 'Replay progress' });
    const status = h('p', { role: 'status' });
    body.replaceChildren(h('h3', {}, `Incident ${incident.incidentId}`), h('p', {}, `Trace ${incident.traceId}, behavior ${incident.behavior}.`), progress, status);
    while (incident.state === 'replaying' && mine === generation) {
      const p = incident.replay?.progress;
      if (p !== undefined) {
        progress.max = Math.max(1, p.total);
        progress.value = p.done;
        status.textContent = `Replaying: ${p.done} of ${p.total} done (${p.completed} answered, ${p.failed} failed, ${p.retries} retries).`;
      }
      if (Date.now() - started > POLL_LIMIT_MS) {
        body.append(message('error', 'The replays are still running after 30 minutes.', 'Reload the page later to see the postmortem.'));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (mine !== generation) return;
      incident = await getJson<IncidentView>(`/api/v1/incidents/${encodeURIComponent(incident.incidentId)}`);
    }
    if (mine !== generation) return;
    const p = incident.replay?.progress;
    progress.max = Math.max(1, p?.total ?? 1);
    progress.value = p?.done ?? progress.max;
    status.textContent = p === undefined
      ? incident.replayNote || 'No replays were run.'
      : `Replays finished: ${p.completed} answered, ${p.failed} failed, ${p.retries} retries.${incident.replay?.error ? ` The run failed: ${incident.replay.error}` : ''}`;
    if (incident.replayNote !== '') body.append(message('empty', 'Replays could not run for this call.', incident.replayNote));
    showPostmortem(incident);
  }

  function showPostmortem(incident: IncidentView): void {
    const base = incident.postmortem.replace(/^\//, '');
    const id = incident.incidentId;
    body.append(
      h('h3', {}, 'Postmortem'),
      h(
        'p',
        { class: 'downloads' },
        'Download: ',
        h('a', { href: `${base}?format=md`, download: `postmortem-${id}.md` }, 'Markdown'),
        ' · ',
        h('a', { href: `${base}?format=html`, download: `postmortem-${id}.html` }, 'HTML'),
        ' · ',
        h('a', { href: `${base}?format=html`, target: '_blank', rel: 'noopener' }, 'Open in a new tab'),
      ),
      // Sandboxed: the report is a document of its own and runs no script here.
      h('iframe', { class: 'postmortem-frame', title: `Postmortem for incident ${id}`, src: `${base}?format=html`, sandbox: '' }),
    );
  }

  /** Opening a shared link to an incident shows its progress or postmortem. */
  async function reopen(id: string): Promise<void> {
    const mine = ++generation;
    body.replaceChildren(message('loading', 'Loading the incident…'));
    try {
      const incident = await getJson<IncidentView>(`/api/v1/incidents/${encodeURIComponent(id)}`);
      if (mine !== generation) return;
      trace.value = incident.traceId;
      await follow(incident, mine);
    } catch (error) {
      if (mine !== generation) return;
      body.replaceChildren(error instanceof ApiError && error.status === 404 && !error.notAvailable ? message('error', `There is no incident ${id}.`, error.message) : errorMessage(error));
    }
  }

  return {
    update(state: ViewState) {
      if (state.trace !== '' && trace.value === '') trace.value = state.trace;
      if (state.incident !== '' && state.incident !== shownIncident) {
        shownIncident = state.incident;
        void reopen(state.incident);
      } else if (state.incident === '' && shownIncident !== '') {
        shownIncident = '';
        generation++;
        body.replaceChildren();
      }
    },
    destroy() {
      generation++;
    },
  };
}
