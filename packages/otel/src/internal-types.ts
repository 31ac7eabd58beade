import type { Attributes } from '@opentelemetry/api';
import type { ToolCall } from './types.ts';

/** One choice of the model's answer, whatever the API. */
export interface ChoiceOutput {
  text: string;
  refusal: string | null;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

/** The response, normalized across APIs, that attributes and behaviors are computed from. */
export interface NormalizedResponse {
  id?: string;
  model?: string;
  systemFingerprint?: string;
  serviceTier?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  reasoningTokens?: number;
  choices: ChoiceOutput[];
  /** The provider stopped on a content filter (finish reason or incomplete reason). */
  contentFiltered: boolean;
  /** The provider stopped on the output-token limit. */
  truncated: boolean;
  /** What classifiers get as `response`. */
  raw: unknown;
}

/** The request, normalized across APIs. */
export interface NormalizedRequest {
  spanName: string;
  attributes: Attributes;
  /** Tool name → its JSON schema (undefined when the tool has none). */
  toolSchemas: Map<string, unknown>;
  stream: boolean;
  /** Content attributes (JSON strings), computed only when content capture is on. */
  content?: () => Attributes;
}

/** Turns one API's request, result and stream chunks into the normalized shapes. */
export interface ApiSurface {
  provider: 'openai' | 'anthropic';
  api: 'chat_completions' | 'responses' | 'messages';
  request(params: Record<string, unknown>, redact: (text: string) => string, captureContent: boolean): NormalizedRequest;
  response(result: Record<string, unknown>): NormalizedResponse;
  accumulator(): StreamAccumulator;
}

export interface StreamAccumulator {
  add(chunk: Record<string, unknown>): void;
  finish(): NormalizedResponse;
}

/** Loosely typed SDK object, read defensively. */
export type Loose = Record<string, unknown>;
