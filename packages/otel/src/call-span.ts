import { context, diag, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { errorType, responseAttributes, serverAttributes } from './attributes.ts';
import { builtinFlags, classify } from './behaviors.ts';
import { outputMessages } from './content.ts';
import type { ApiSurface, Loose, NormalizedRequest, NormalizedResponse } from './internal-types.ts';
import { ATTR_BEHAVIOR_FLAGS, ATTR_ERROR_TYPE, ATTR_GEN_AI_OUTPUT_MESSAGES } from './semconv.ts';
import { instrumentStream } from './streaming.ts';
import type { BehaviorClassifier, FinishedCall } from './types.ts';
import { uncontrolledInputAttributes } from './uncontrolled-inputs.ts';

/** What a patched method needs from the instrumentation, read at call time. */
export interface CallRuntime {
  tracer(): Tracer;
  enabled(): boolean;
  captureContent(): boolean;
  redact(): (text: string) => string;
  behaviors(): Record<string, BehaviorClassifier> | undefined;
}

interface StartedCall {
  span: Span;
  request: NormalizedRequest;
  params: Loose;
  captureContent: boolean;
  redact: (text: string) => string;
  /** The parsed result has been seen (a call's value is observed at most once, however many helpers parse it). */
  valueSeen: boolean;
  ended: boolean;
}

const identity = (text: string): string => text;

/**
 * Calls `original` inside a GenAI span. Telemetry never breaks the call: any instrumentation
 * error is logged through `diag` and the original runs regardless; the SDK's own return value
 * (APIPromise, whose stream is observed in place) is returned unchanged; arguments are only read.
 */
export function tracedCall(runtime: CallRuntime, surface: ApiSurface, original: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  const params = args[0];
  if (!runtime.enabled() || typeof params !== 'object' || params === null) return original.apply(self, args);
  let started: StartedCall;
  let ctx;
  try {
    started = startCall(runtime, surface, params as Loose, self);
    ctx = trace.setSpan(context.active(), started.span);
  } catch (error) {
    diag.error('behavior-rate: could not start GenAI span', error);
    return original.apply(self, args);
  }
  let result: unknown;
  try {
    result = context.with(ctx, () => original.apply(self, args));
  } catch (error) {
    safely(() => endWithError(started, error));
    throw error;
  }
  safely(() => observeResult(runtime, surface, started, result));
  return result;
}

type ParseResponse = (...args: unknown[]) => unknown;
type ThenUnwrap = (transform: (data: unknown, ...rest: unknown[]) => unknown, ...rest: unknown[]) => unknown;
interface SdkApiPromise {
  parseResponse: ParseResponse;
  responsePromise: PromiseLike<unknown>;
  _thenUnwrap?: ThenUnwrap;
}

function isSdkApiPromise(value: unknown): value is SdkApiPromise {
  const candidate = value as Partial<SdkApiPromise> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.parseResponse === 'function';
}

/**
 * Observes the call's outcome without consuming anything. Both SDKs return an APIPromise that
 * parses the response body only when someone awaits it; helpers (`parse()`, `stream()`,
 * `withResponse()`) derive promises through `_thenUnwrap`, which parse the body on their own.
 * Calling `.then` here would parse the body a second time and break those helpers ("Body has
 * already been read"). So the parse step is observed instead: `parseResponse` for awaits of
 * this promise, and the transform given to `_thenUnwrap` for derived ones. The span sees
 * exactly the value the app's own parse produced, once.
 */
function observeResult(runtime: CallRuntime, surface: ApiSurface, started: StartedCall, result: unknown): void {
  const onParsed = (value: unknown): void => safely(() => onValue(runtime, surface, started, value));
  const onError = (error: unknown): void => safely(() => endWithError(started, error));
  if (isSdkApiPromise(result)) {
    observeApiPromise(result, onParsed, onError, true);
    // Failed requests (after the SDK's retries) reject the raw response promise before any parse.
    const raw = result.responsePromise as { then?: unknown } | undefined;
    if (typeof raw?.then === 'function') (raw as PromiseLike<unknown>).then(undefined, onError);
    return;
  }
  const thenable = result as { then?: unknown } | null;
  if (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function') {
    (result as PromiseLike<unknown>).then(onParsed, onError);
    return;
  }
  endWithResult(runtime, surface, started, result);
}

function observeApiPromise(promise: SdkApiPromise, onParsed: (value: unknown) => void, onError: (error: unknown) => void, observeValues: boolean): void {
  const parse = promise.parseResponse;
  promise.parseResponse = function observedParseResponse(this: unknown, ...args: unknown[]): unknown {
    const parsed = parse.apply(this, args);
    safely(() => {
      Promise.resolve(parsed).then(observeValues ? onParsed : undefined, onError);
    });
    return parsed;
  };
  const thenUnwrap = promise._thenUnwrap;
  if (typeof thenUnwrap !== 'function') return;
  promise._thenUnwrap = function observedThenUnwrap(this: unknown, transform, ...rest) {
    const observedTransform = (data: unknown, ...transformArgs: unknown[]): unknown => {
      onParsed(data);
      return transform(data, ...transformArgs);
    };
    const derived = thenUnwrap.call(this, observedTransform, ...rest);
    // The derived promise's parse errors (e.g. a body timeout) end the span too.
    safely(() => {
      if (isSdkApiPromise(derived)) observeApiPromise(derived, onParsed, onError, false);
    });
    return derived;
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    diag.error('behavior-rate: instrumentation error (the call is unaffected)', error);
  }
}

function startCall(runtime: CallRuntime, surface: ApiSurface, params: Loose, self: unknown): StartedCall {
  const captureContent = runtime.captureContent();
  const redact = captureContent ? runtime.redact() : identity;
  const request = surface.request(params, redact, captureContent);
  const attributes: Attributes = request.attributes;
  const server = serverAttributes((self as { _client?: { baseURL?: unknown } } | undefined)?._client?.baseURL);
  if (server !== undefined) Object.assign(attributes, server);
  const inputs = uncontrolledInputAttributes(context.active());
  if (inputs !== undefined) Object.assign(attributes, inputs);
  if (request.content !== undefined) Object.assign(attributes, request.content());
  const span = runtime.tracer().startSpan(request.spanName, { kind: SpanKind.CLIENT, attributes });
  return { span, request, params, captureContent, redact, valueSeen: false, ended: false };
}

function onValue(runtime: CallRuntime, surface: ApiSurface, started: StartedCall, value: unknown): void {
  if (started.valueSeen || started.ended) return;
  started.valueSeen = true;
  if (!started.request.stream) {
    endWithResult(runtime, surface, started, value);
    return;
  }
  const accumulator = surface.accumulator();
  const observed = instrumentStream(value, {
    chunk: (chunk) => accumulator.add(chunk),
    end: () => safely(() => finish(runtime, surface, started, accumulator.finish(), true)),
    error: (error) => safely(() => endWithError(started, error)),
  });
  if (!observed) {
    diag.warn('behavior-rate: streamed result has no iterator to observe; span ends without response attributes');
    started.ended = true;
    started.span.end();
  }
}

function endWithResult(runtime: CallRuntime, surface: ApiSurface, started: StartedCall, value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    started.ended = true;
    started.span.end();
    return;
  }
  finish(runtime, surface, started, surface.response(value as Loose), false);
}

function finish(runtime: CallRuntime, surface: ApiSurface, started: StartedCall, response: NormalizedResponse, streamed: boolean): void {
  if (started.ended) return;
  started.ended = true;
  const { span } = started;
  try {
    const attributes = responseAttributes(response, surface.provider);
    const flags = builtinFlags(started.request, response);
    const classifiers = runtime.behaviors();
    attributes[ATTR_BEHAVIOR_FLAGS] = classifiers === undefined ? flags : classify(flags, classifiers, finishedCall(surface, started, response, streamed));
    if (started.captureContent) attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = JSON.stringify(outputMessages(response.choices, started.redact));
    span.setAttributes(attributes);
  } finally {
    span.end();
  }
}

function finishedCall(surface: ApiSurface, started: StartedCall, response: NormalizedResponse, streamed: boolean): FinishedCall {
  return {
    provider: surface.provider,
    api: surface.api,
    request: started.params,
    response: response.raw,
    streamed,
    outputText: response.choices.map((choice) => choice.text).join('\n'),
    toolCalls: response.choices.flatMap((choice) => choice.toolCalls),
    finishReasons: response.choices.map((choice) => choice.finishReason ?? ''),
    refusal: response.choices.find((choice) => choice.refusal !== null)?.refusal ?? null,
    responseModel: response.model,
  };
}

function endWithError(started: StartedCall, error: unknown): void {
  if (started.ended) return;
  started.ended = true;
  const { span } = started;
  try {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  } finally {
    span.end();
  }
}
