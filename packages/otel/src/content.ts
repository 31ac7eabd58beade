// Content in the GenAI structured-message format, as JSON strings:
//   [{ role, parts: [{ type: 'text', content } | { type: 'tool_call', id, name, arguments } |
//                    { type: 'tool_call_response', id, response }], finish_reason? }]
// Tool-call arguments stay the provider's raw string, so a replay resends them byte for byte
// and malformed arguments are kept as they were.

export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: string }
  | { type: 'tool_call_response'; id: string; response: string }
  | { type: string; [key: string]: unknown };

export interface ChatMessage {
  role: string;
  parts: MessagePart[];
}

export interface OutputMessage extends ChatMessage {
  finish_reason: string;
}

export interface ToolDefinition {
  type: string;
  name: string;
  description?: string;
  parameters?: unknown;
  strict?: boolean;
}

export function textPart(text: string, redact: (text: string) => string): MessagePart {
  return { type: 'text', content: redact(text) };
}

/** Output messages from normalized choices. */
export function outputMessages(
  choices: readonly { text: string; refusal: string | null; toolCalls: readonly { id: string; name: string; arguments: string }[]; finishReason: string | null }[],
  redact: (text: string) => string,
): OutputMessage[] {
  return choices.map((choice) => {
    const parts: MessagePart[] = [];
    if (choice.text !== '') parts.push(textPart(choice.text, redact));
    if (choice.refusal !== null) parts.push({ type: 'refusal', content: redact(choice.refusal) });
    for (const call of choice.toolCalls) {
      parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: redact(call.arguments) });
    }
    return { role: 'assistant', parts, finish_reason: choice.finishReason ?? '' };
  });
}
