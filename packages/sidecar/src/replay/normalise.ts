/** An output reduced to what a reader compares: the group it falls in and how to show it. */
export interface NormalisedOutput {
  /** Equal for outputs equal after whitespace and case folding. */
  key: string;
  /** The output as first seen, one line, for display. */
  label: string;
}

interface Part {
  type?: unknown;
  content?: unknown;
  name?: unknown;
  arguments?: unknown;
}

/** The readable text of GenAI structured output messages: text, refusals and tool calls in order. */
export function outputParts(outputMessages: string, outputText: string): string {
  let messages: unknown;
  try {
    messages = outputMessages === '' ? undefined : JSON.parse(outputMessages);
  } catch {
    messages = undefined;
  }
  if (!Array.isArray(messages)) return outputText;
  const pieces: string[] = [];
  for (const message of messages) {
    const parts = (message as { parts?: unknown } | null)?.parts;
    if (!Array.isArray(parts)) continue;
    for (const part of parts as Part[]) {
      if (part.type === 'text' && typeof part.content === 'string') pieces.push(part.content);
      else if (part.type === 'refusal' && typeof part.content === 'string') pieces.push(`[refusal] ${part.content}`);
      else if (part.type === 'tool_call') pieces.push(`[tool call] ${String(part.name)}(${typeof part.arguments === 'string' ? part.arguments : JSON.stringify(part.arguments)})`);
    }
  }
  return pieces.length > 0 ? pieces.join('\n') : outputText;
}

/**
 * Groups outputs that differ only in whitespace or letter case (Unicode NFKC, then case
 * folded, whitespace runs collapsed). Anything more lenient would merge answers that say
 * different things ("seven days" vs "seven hours" must stay apart).
 */
export function normaliseOutput(outputMessages: string, outputText: string): NormalisedOutput {
  const text = outputParts(outputMessages, outputText);
  if (text.trim() === '') return { key: '', label: '(no output captured)' };
  const key = text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  const label = text.replace(/\s+/g, ' ').trim();
  return { key, label: label.length > 160 ? `${label.slice(0, 157)}…` : label };
}
