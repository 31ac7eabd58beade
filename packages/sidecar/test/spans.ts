import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanKind, type Attributes } from '@opentelemetry/api';

/** GenAI span attributes for a plain successful chat call. */
export function chatAttributes(overrides: Attributes = {}): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'openai.response.system_fingerprint': 'fp_test',
    'gen_ai.response.finish_reasons': ['stop'],
    ...overrides,
  };
}

/** Real SDK spans, made in memory: the same objects an exporter serializes. */
export async function makeSpans(count: number, attributes: (i: number) => Attributes = () => chatAttributes(), startTime?: (i: number) => Date): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('behavior-rate-test');
  for (let i = 0; i < count; i++) {
    const start = startTime?.(i);
    const span = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT, attributes: attributes(i), ...(start ? { startTime: start } : {}) });
    span.end(start ? new Date(start.getTime() + 250) : undefined);
  }
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** The exact bytes the OTLP/HTTP protobuf exporter would send. */
export function protobufBody(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
}

/** The exact bytes the OTLP/HTTP JSON exporter would send. */
export function jsonBody(spans: ReadableSpan[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans) as Uint8Array);
}

/** POSTs an OTLP body to a receiver. */
export async function postTraces(otlpUrl: string, body: Buffer | string, contentType: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: bytes.toString('utf8') };
}
