import { context, trace, type Attributes, type Context, type Span, type SpanOptions, type Tracer, type TracerOptions, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BehaviorRateInstrumentation } from '@behavior-rate/otel';
import OpenAI from 'openai';

/** Which spans a provider takes: decided on the attributes a span starts with. */
export type SpanRoute = (attributes: Attributes | undefined) => boolean;

interface Route {
  name: string;
  matches: SpanRoute;
  provider: TracerProvider;
}

/**
 * The sidecar's own OpenAI calls (replays, canaries) go through ONE instrumentation: the
 * SDK's prototype can be patched only once per process, so a second instrumentation would
 * silently send its spans to the first one's provider. This router is the tracer provider
 * of that single instrumentation; each user registers its own provider (its resource, its
 * exporter) with a predicate on the span's starting attributes, e.g. `replay.of` present.
 */
class GenAiRouter implements TracerProvider {
  readonly routes: Route[] = [];

  register(name: string, matches: SpanRoute, provider: TracerProvider): void {
    this.unregister(name);
    this.routes.push({ name, matches, provider });
  }

  unregister(name: string): void {
    const index = this.routes.findIndex((route) => route.name === name);
    if (index >= 0) this.routes.splice(index, 1);
  }

  pick(attributes: Attributes | undefined): TracerProvider {
    // Unmarked calls go to the first registered provider rather than nowhere.
    return (this.routes.find((route) => route.matches(attributes)) ?? this.routes[0])?.provider ?? trace.getTracerProvider();
  }

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    return new RoutingTracer(this, name, version, options);
  }
}

class RoutingTracer implements Tracer {
  readonly #router: GenAiRouter;
  readonly #name: string;
  readonly #version: string | undefined;
  readonly #options: TracerOptions | undefined;

  constructor(router: GenAiRouter, name: string, version: string | undefined, options: TracerOptions | undefined) {
    this.#router = router;
    this.#name = name;
    this.#version = version;
    this.#options = options;
  }

  #target(options: SpanOptions | undefined): Tracer {
    return this.#router.pick(options?.attributes).getTracer(this.#name, this.#version, this.#options);
  }

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    return this.#target(options).startSpan(name, options, ctx);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.#target(options).startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}

const KEY = Symbol.for('behavior-rate.sidecar.genai-router');

/**
 * The process's GenAI router, created on first use: registers an async context manager
 * (withUncontrolledInputs needs one), and instruments the `openai` SDK once, content
 * capture on — the sidecar's calls replay or probe known prompts, whose answers are the data.
 */
export function genAiRouter(): GenAiRouter {
  const holder = globalThis as unknown as Record<symbol, GenAiRouter | undefined>;
  let router = holder[KEY];
  if (router === undefined) {
    router = new GenAiRouter();
    holder[KEY] = router;
    // Returns false when another part of the process registered one first, which serves as well.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const instrumentation = new BehaviorRateInstrumentation({ captureContent: true });
    instrumentation.setTracerProvider(router);
    instrumentation.manuallyInstrument({ openai: OpenAI });
  }
  return router;
}
