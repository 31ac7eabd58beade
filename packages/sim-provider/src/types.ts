/** A tool call the simulated model makes. */
export interface SimToolCall {
  name: string;
  /**
   * Arguments. An object is sent as its JSON; a string is sent verbatim, which is how a
   * scenario produces malformed arguments (`'{"order_id": '`).
   */
  arguments: string | Record<string, unknown>;
}

/** One possible answer of the simulated model, drawn with probability proportional to `weight`. */
export interface SimAnswer {
  /** Stable name of the answer, used by scheduled changes and recorded with each request. */
  id: string;
  /** Relative weight (need not sum to 1 across a rule). */
  weight: number;
  /** Assistant text. Default: empty. */
  text?: string;
  /** Tool calls the model makes instead of (or besides) text. */
  toolCalls?: SimToolCall[];
  /** A refusal message (chat `message.refusal`, Responses `refusal` part, Anthropic `stop_reason: refusal`). */
  refusal?: string;
  /** Why generation stopped. Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
}

/** Answers for the prompts whose last user message matches `match`. */
export interface SimRule {
  /** Stable name of the rule, used by scheduled changes. */
  id: string;
  /** Regular expression (source, case-insensitive) tested against the last user message. */
  match: string;
  answers: SimAnswer[];
}

/** A change of the provider that takes effect at a simulated minute and stays. */
export interface SimScheduledChange {
  /** Simulated minute (since the clock's start) from which the change applies. */
  atMinute: number;
  /** New `system_fingerprint`. */
  systemFingerprint?: string;
  /** New response model name. */
  responseModel?: string;
  /** New weights: rule id → answer id → weight. Answers not named keep their weight. */
  weights?: Record<string, Record<string, number>>;
}

/** Fault injection; each rate is a probability per request, drawn from the seeded generator. */
export interface SimFaults {
  /** Probability of a 429 with `Retry-After`. Default 0. */
  rateLimitRate?: number;
  /** `Retry-After` seconds on 429s. Default 1. */
  retryAfterSeconds?: number;
  /** Probability of a 500. Default 0. */
  serverErrorRate?: number;
  /** Probability that the request hangs and its connection is dropped after `timeoutMs`. Default 0. */
  timeoutRate?: number;
  /** How long a timed-out request hangs before its socket is destroyed. Default 30 000 ms. */
  timeoutMs?: number;
}

/** Real (not simulated) latency added before each answer. */
export interface SimLatency {
  /** Fixed delay before the answer. Default 0 ms. */
  baseMs?: number;
  /** Uniform extra delay in [0, jitterMs). Default 0 ms. */
  jitterMs?: number;
  /** Delay between streamed chunks. Default 0 ms. */
  chunkDelayMs?: number;
}

/** The clock the scenario's minutes are read from. */
export type SimClockConfig =
  /** Simulated time = `startMs` + real elapsed time × `compression`. */
  | { compression?: number; startMs?: number }
  /** Explicit simulated time in epoch ms, for tests and demos that drive time themselves. */
  | { now: () => number; startMs?: number };

/** A scenario: what the simulated model answers, and how that changes over time. */
export interface SimScenario {
  /** `system_fingerprint` before any change. Default `fp_sim_0001`. */
  systemFingerprint?: string;
  /** Response model before any change. Default: the request's model. */
  responseModel?: string;
  /** Rules tried in order; the first whose `match` matches answers. */
  rules: SimRule[];
  /** Answer when no rule matches. Default: one text answer. */
  fallback?: SimAnswer;
  changes?: SimScheduledChange[];
}

export interface SimProviderConfig {
  scenario?: SimScenario;
  /** Seed of the answer/fault generator. Default 1. */
  seed?: number;
  clock?: SimClockConfig;
  latency?: SimLatency;
  faults?: SimFaults;
  /** Host to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Keep every request in `requests`. Default true; turn off for long benchmarks. */
  recordRequests?: boolean;
}

export type SimOutcome =
  | { kind: 'answer'; ruleId: string | null; answerId: string; systemFingerprint: string }
  | { kind: 'rate_limited' }
  | { kind: 'server_error' }
  | { kind: 'timeout' }
  | { kind: 'bad_request'; message: string };

/** A request the simulated provider received, in arrival order. */
export interface SimRecordedRequest {
  /** 0-based arrival index; the generator for this request is derived from (seed, seq). */
  seq: number;
  path: string;
  body: unknown;
  simulatedMinute: number;
  outcome: SimOutcome;
}

export interface SimProvider {
  /** Base URL without path, e.g. `http://127.0.0.1:41234`. OpenAI clients use `${url}/v1`. */
  url: string;
  port: number;
  requests: SimRecordedRequest[];
  /** Current simulated minute. */
  minute(): number;
  close(): Promise<void>;
}
