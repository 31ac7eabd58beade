import type { Postmortem } from './build.ts';
import { histogramSvg, rateSvg } from './charts.ts';
import { postmortemSections, type Block } from './sections.ts';

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The little inline Markdown the sections use: **bold**, *italic*, `code`. Applied after escaping. */
function inline(text: string): string {
  return escape(text)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

function block(b: Block, charts: { histogram: string | null; rate: string | null }): string {
  switch (b.kind) {
    case 'p':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`;
    case 'checklist':
      return `<ul class="checklist">${b.items.map((item) => `<li><input type="checkbox" disabled> ${inline(item)}</li>`).join('')}</ul>`;
    case 'code':
      return `<pre>${escape(b.text)}</pre>`;
    case 'table':
      return `<table><thead><tr>${b.header.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((row) => `<tr>${row.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    case 'chart': {
      const svg = charts[b.chart];
      return svg === null ? '' : `<figure class="chart" data-chart="${b.chart}">${svg}</figure>`;
    }
  }
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}code{background:#f3f3f3;padding:0 3px}
.checklist{list-style:none;padding-left:0}figure.chart{margin:1em 0}`;

/** The postmortem as one self-contained HTML page: inline CSS, charts as inline SVG, no script, no network. */
export function renderHtml(pm: Postmortem): string {
  const charts = { histogram: histogramSvg(pm), rate: rateSvg(pm) };
  const body = postmortemSections(pm)
    .map((section) => `<section><h2>${escape(section.title)}</h2>${section.blocks.map((b) => block(b, charts)).join('\n')}</section>`)
    .join('\n');
  const title = `Postmortem: ${pm.behavior} in trace ${pm.call.traceId}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>${STYLE}</style></head>
<body><h1>${escape(title)}</h1><p>Incident ${escape(pm.incidentId)}, generated ${escape(pm.generatedAt)} by behavior-rate.</p>
${body}
</body></html>
`;
}
