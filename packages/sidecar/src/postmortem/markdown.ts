import type { Postmortem } from './build.ts';
import { postmortemSections, type Block } from './sections.ts';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function block(b: Block): string {
  switch (b.kind) {
    case 'p':
      return b.text;
    case 'list':
      return b.items.map((item) => `- ${item}`).join('\n');
    case 'checklist':
      return b.items.map((item) => `- [ ] ${item}`).join('\n');
    case 'code':
      return `\`\`\`text\n${b.text.replace(/```/g, '``\u200b`')}\n\`\`\``;
    case 'table':
      return [`| ${b.header.map(cell).join(' | ')} |`, `|${b.header.map(() => '---').join('|')}|`, ...b.rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
    case 'chart':
      // Charts are drawn in the HTML version; the tables beside them carry the same numbers.
      return '';
  }
}

/** The postmortem as Markdown. */
export function renderMarkdown(pm: Postmortem): string {
  const title = `# Postmortem: ${pm.behavior} in trace ${pm.call.traceId}`;
  const meta = `Incident ${pm.incidentId}, generated ${pm.generatedAt} by behavior-rate.`;
  const body = postmortemSections(pm).map((section) => [`## ${section.title}`, ...section.blocks.map(block).filter((text) => text !== '')].join('\n\n'));
  return `${[title, meta, ...body].join('\n\n')}\n`;
}
