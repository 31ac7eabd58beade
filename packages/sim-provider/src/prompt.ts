// What the simulated model reads from a request, whatever the API: the last user message
// (to pick a rule), all text (for token counts) and the instructions (for the prompt cache).

export interface SimPrompt {
  lastUserText: string;
  allText: string;
  instructions: string;
  model: string;
}

type Loose = Record<string, unknown>;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text of a content field: a string, or an array of parts with `text`. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : ''))
    .join('');
}

function fromMessages(messages: unknown, model: unknown, extraInstructions: string): SimPrompt {
  const list = Array.isArray(messages) ? messages.filter(isRecord) : [];
  let lastUserText = '';
  let instructions = extraInstructions;
  const texts: string[] = [extraInstructions];
  for (const message of list) {
    const text = contentText(message['content']);
    texts.push(text);
    if (message['role'] === 'user') lastUserText = text;
    if (message['role'] === 'system' || message['role'] === 'developer') instructions += text;
  }
  return { lastUserText, allText: texts.join('\n'), instructions, model: typeof model === 'string' ? model : 'unknown' };
}

export function chatPrompt(body: Loose): SimPrompt {
  return fromMessages(body['messages'], body['model'], '');
}

export function responsesPrompt(body: Loose): SimPrompt {
  const instructions = typeof body['instructions'] === 'string' ? body['instructions'] : '';
  const input = body['input'];
  if (typeof input === 'string') {
    return { lastUserText: input, allText: `${instructions}\n${input}`, instructions, model: String(body['model'] ?? 'unknown') };
  }
  return fromMessages(input, body['model'], instructions);
}

export function anthropicPrompt(body: Loose): SimPrompt {
  return fromMessages(body['messages'], body['model'], contentText(body['system']));
}
