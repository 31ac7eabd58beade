import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/**
 * The inputs nobody controls (and the marks of canary and replay traffic), put on every GenAI
 * span started inside {@link withUncontrolledInputs}. Each is optional; absent ones are not set.
 */
export interface UncontrolledInputs {
  /** Version of the retrieval index the prompt's context came from → `retrieval.index.version`. */
  retrievalIndexVersion?: string;
  /** How far the vector store lags its source, in ms (rounded) → `retrieval.freshness_lag_ms`. */
  retrievalFreshnessLagMs?: number;
  /** Kind of traffic (e.g. `live`, `batch`, `internal`) → `traffic.class`. */
  trafficClass?: string;
  /**
   * Your name for the prompt template → `prompt.template.hash`, in place of the automatic hash
   * of the system instructions. Use it when the rendered system prompt varies per call.
   */
  promptTemplateId?: string;
  /** Conversation or session id → `gen_ai.conversation.id`. */
  conversationId?: string;
  /** Canary case this call runs → `canary.case_id` (set by the canary runner). */
  canaryCaseId?: string;
  /** Span id (or trace id) of the call this one replays → `replay.of` (set by the replay runner). */
  replayOf?: string;
  /** Replay run this call belongs to → `replay.run_id`. */
  replayRunId?: string;
}

/** A tool call the model made, with its arguments exactly as the provider sent them. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What a behavior classifier sees: the finished call. Treat every field as read-only. */
export interface FinishedCall {
  provider: 'openai' | 'anthropic';
  /** Which API produced it. */
  api: 'chat_completions' | 'responses' | 'messages';
  /** The request parameters as the application passed them. */
  request: unknown;
  /**
   * The SDK's result for non-streamed calls; for streamed calls the final response event where
   * the API has one (Responses), otherwise undefined.
   */
  response: unknown;
  streamed: boolean;
  /** Text of all choices, joined by newlines (refusal text excluded). */
  outputText: string;
  toolCalls: readonly ToolCall[];
  finishReasons: readonly string[];
  /** The refusal message, when the model refused. */
  refusal: string | null;
  responseModel: string | undefined;
}

/** Returns true when the call shows the behavior. Runs in-process; a throw is logged and counts as false. */
export type BehaviorClassifier = (call: FinishedCall) => boolean;

export interface BehaviorRateInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompt and output content (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.system_instructions`, `gen_ai.tool.definitions`).
   * Default: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (`true`/`false`, case-insensitive),
   * otherwise false.
   */
  captureContent?: boolean;
  /**
   * Applied to every captured text (message text, system instructions, tool-call arguments and
   * results) before it is put on the span. Default: identity. Only used when content is captured.
   */
  redact?: (text: string) => string;
  /**
   * In-process classifiers; the names of those that return true land in `behavior.flags`, so
   * behaviors can be counted without exporting content. Default: none (built-in flags only).
   */
  behaviors?: Record<string, BehaviorClassifier>;
}

/** An OpenAI chat-completions request rebuilt from a captured span. */
export interface ReplayRequest {
  /** The request body. Fields the span did not carry are absent. */
  body: Record<string, unknown>;
  /**
   * Request fields the original call had (or must have had) that the span does not carry, so
   * the replay cannot resend them. Empty means the body equals the original's.
   */
  missing: string[];
}
