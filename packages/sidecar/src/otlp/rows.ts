import type { DecodedSpan } from './decode.ts';

/** One row of `otel_traces`, as the collector's ClickHouse exporter writes it (JSONEachRow keys). */
export interface TraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

/** The exporter's names for span kinds and status codes (pdata's String()). */
const SPAN_KIND = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODE = ['Unset', 'Ok', 'Error'];

/** Nanoseconds since the epoch as `seconds.nanoseconds`, which DateTime64(9) reads without a time zone. */
export function nanosToDateTime64(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}`;
}

export function toTraceRow(span: DecodedSpan): TraceRow {
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  return {
    Timestamp: nanosToDateTime64(span.startTimeUnixNano),
    TraceId: span.traceId,
    SpanId: span.spanId,
    ParentSpanId: span.parentSpanId,
    TraceState: span.traceState,
    SpanName: span.name,
    SpanKind: SPAN_KIND[span.kind] ?? 'Unspecified',
    ServiceName: span.serviceName,
    ResourceAttributes: span.resourceAttributes,
    ScopeName: span.scopeName,
    ScopeVersion: span.scopeVersion,
    SpanAttributes: span.attributes,
    Duration: duration.toString(),
    StatusCode: STATUS_CODE[span.statusCode] ?? 'Unset',
    StatusMessage: span.statusMessage,
    'Events.Timestamp': span.events.map((event) => nanosToDateTime64(event.timeUnixNano)),
    'Events.Name': span.events.map((event) => event.name),
    'Events.Attributes': span.events.map((event) => event.attributes),
    'Links.TraceId': span.links.map((link) => link.traceId),
    'Links.SpanId': span.links.map((link) => link.spanId),
    'Links.TraceState': span.links.map((link) => link.traceState),
    'Links.Attributes': span.links.map((link) => link.attributes),
  };
}
