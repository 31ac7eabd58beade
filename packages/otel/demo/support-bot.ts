import type OpenAI from 'openai';
import { withUncontrolledInputs } from '../src/index.ts';

// The app of the incident: a support bot that answers refund questions with the real openai
// SDK. Nothing in it is demo-specific except the questions it is asked.

export const SUPPORT_BOT_SYSTEM_PROMPT =
  'You are the support assistant of Acme. Refunds are processed within seven days of approval. Be brief and exact.';

const lookupOrderTool = {
  type: 'function' as const,
  function: {
    name: 'lookup_order',
    description: 'Look up an order by its id',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' } },
      required: ['order_id'],
      additionalProperties: false,
    },
  },
};

export const CUSTOMER_QUESTIONS = [
  'How long does a refund take?',
  'When will I get my refund?',
  'My refund was approved yesterday, when does the money arrive?',
  'Is the refund instant?',
];

/** What the bot's retrieval layer reports with each answer: the inputs nobody controls. */
export interface KnowledgeBase {
  indexVersion: string;
  freshnessLagMs: number;
}

export interface SupportBot {
  answer(question: string, conversationId: string): Promise<string>;
}

export function createSupportBot(client: OpenAI, knowledgeBase: () => KnowledgeBase): SupportBot {
  return {
    async answer(question, conversationId) {
      const kb = knowledgeBase();
      const completion = await withUncontrolledInputs(
        { retrievalIndexVersion: kb.indexVersion, retrievalFreshnessLagMs: kb.freshnessLagMs, trafficClass: 'live', conversationId },
        () =>
          client.chat.completions.create({
            model: 'gpt-sim-support',
            messages: [
              { role: 'system', content: SUPPORT_BOT_SYSTEM_PROMPT },
              { role: 'user', content: question },
            ],
            tools: [lookupOrderTool],
            temperature: 0,
            seed: 42,
            max_tokens: 200,
          }),
      );
      const message = completion.choices[0]?.message;
      return message?.content ?? message?.refusal ?? '(tool call)';
    },
  };
}
