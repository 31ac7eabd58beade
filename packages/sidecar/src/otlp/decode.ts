import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** A span as the receiver understands it, whatever the wire format. */
export interface DecodedSpan {
  resourceAttributes: Record<string, string>;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, string>;
  events: { timeUnixNano: bigint; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
  statusCode: number;
  statusMessage: string;
}

export interface DecodedRequest {
  spans: DecodedSpan[];
  /** Spans refused one by one (bad ids), reported back as OTLP partial success. */
  rejected: { count: number; reasons: string[] };
}

/** The payload could not be decoded: the whole request is refused with 400 and this message. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/** Nesting beyond this in attribute values is refused: it is never legitimate telemetry and it guards the stack. */
const MAX_VALUE_DEPTH = 32;

const root = protobuf.parse(readFileSync(new URL('./trace.proto', import.meta.url), 'utf8'), { keepCase: false }).root;
const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
export const ExportTraceServiceResponse = root.lookupType('opentelemetry.proto.ExportTraceServiceResponse');
export const RpcStatus = root.lookupType('opentelemetry.proto.RpcStatus');

/** Decodes `application/x-protobuf` bodies. */
export function decodeProtobuf(body: Uint8Array): DecodedRequest {
  let message: protobuf.Message;
  try {
    message = ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
  const object = ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false, arrays: true });
  return normalize(object, 'bytes');
}

/** Decodes `application/json` bodies (OTLP/JSON: hex ids, integer enums, lowerCamelCase keys). */
export function decodeJson(body: Buffer | string): DecodedRequest {
  let object: unknown;
  try {
    object = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  return normalize(object, 'hex');
}

type Ids = 'hex' | 'bytes';
type Loose = Record<string, unknown>;

/** Reads a field by its lowerCamelCase name, or the snake_case name protobuf JSON also allows. */
function field(object: Loose, camel: string): unknown {
  if (camel in object) return object[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return object[snake];
}

function asObject(value: unknown, path: string): Loose {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OtlpDecodeError(`${path}: expected an object`);
  return value as Loose;
}

/** An optional message: absent and JSON null both mean "not set". */
function optionalObject(value: unknown, path: string): Loose {
  return value === undefined || value === null ? {} : asObject(value, path);
}

function asList(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path}: expected an array`);
  return value;
}

function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${path}: expected a string`);
  return value;
}

function asInteger(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new OtlpDecodeError(`${path}: expected an integer`);
  return n;
}

function asNanos(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if ((typeof value === 'string' && /^\d+$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
    return BigInt(value);
  }
  throw new OtlpDecodeError(`${path}: expected unsigned integer nanoseconds`);
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function asEnum(value: unknown, names: Record<string, number>, path: string): number {
  if (typeof value === 'string' && value in names) return names[value] as number;
  const n = asInteger(value, path);
  if (!Object.values(names).includes(n)) throw new OtlpDecodeError(`${path}: unknown value ${n}`);
  return n;
}

/** An id as lower-case hex, or undefined when it is not a well-formed id of `bytes` length. */
function readId(value: unknown, ids: Ids, bytes: number, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return '';
  if (ids === 'bytes') {
    if (!Array.isArray(value)) throw new OtlpDecodeError(`${path}: expected bytes`);
    if (value.length === 0) return '';
    return value.length === bytes ? Buffer.from(value as number[]).toString('hex') : undefined;
  }
  if (typeof value !== 'string') throw new OtlpDecodeError(`${path}: expected a hex string`);
  return value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value) ? value.toLowerCase() : undefined;
}

/**
 * An attribute value as the collector's exporter stores it (pcommon Value.AsString):
 * strings as they are, numbers and booleans as text, arrays and maps as JSON, bytes as base64.
 */
function stringify(value: unknown, path: string): string {
  const raw = rawValue(value, path, 0);
  if (raw === null) return '';
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'object') {
    // int64 values beyond 2^53 keep their exact digits inside JSON arrays and maps.
    return JSON.stringify(raw, (_key, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v)).replace(RAW_NUMBER, '$1');
  }
  return String(raw);
}

const RAW_NUMBER = /"\\u0000(-?\d+)\\u0000"/g;

type Raw = string | number | bigint | boolean | null | Raw[] | { [key: string]: Raw };

function rawValue(value: unknown, path: string, depth: number): Raw {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`${path}: values nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (value === undefined || value === null) return null;
  const v = asObject(value, path);
  if ('stringValue' in v || 'string_value' in v) return asString(field(v, 'stringValue'), `${path}.stringValue`);
  if ('boolValue' in v || 'bool_value' in v) {
    const b = field(v, 'boolValue');
    if (typeof b !== 'boolean') throw new OtlpDecodeError(`${path}.boolValue: expected a boolean`);
    return b;
  }
  if ('intValue' in v || 'int_value' in v) {
    const i = field(v, 'intValue');
    if (typeof i === 'number' && Number.isSafeInteger(i)) return i;
    if (typeof i === 'string' && /^-?\d{1,19}$/.test(i)) return BigInt(i);
    throw new OtlpDecodeError(`${path}.intValue: expected a 64-bit integer`);
  }
  if ('doubleValue' in v || 'double_value' in v) {
    const d = field(v, 'doubleValue');
    const n = typeof d === 'string' && d.trim() !== '' ? Number(d) : d;
    if (typeof n !== 'number' || Number.isNaN(n) && d !== 'NaN') throw new OtlpDecodeError(`${path}.doubleValue: expected a number`);
    return n;
  }
  if ('arrayValue' in v || 'array_value' in v) {
    const array = asObject(field(v, 'arrayValue'), `${path}.arrayValue`);
    return asList(array.values, `${path}.arrayValue.values`).map((item, i) => rawValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const list = asObject(field(v, 'kvlistValue'), `${path}.kvlistValue`);
    const out: { [key: string]: Raw } = {};
    asList(list.values, `${path}.kvlistValue.values`).forEach((item, i) => {
      const kv = asObject(item, `${path}.kvlistValue.values[${i}]`);
      out[asString(kv.key, `${path}.kvlistValue.values[${i}].key`)] = rawValue(kv.value, `${path}.kvlistValue.values[${i}].value`, depth + 1);
    });
    return out;
  }
  if ('bytesValue' in v || 'bytes_value' in v) {
    const b = field(v, 'bytesValue');
    if (Array.isArray(b)) return Buffer.from(b as number[]).toString('base64');
    if (typeof b === 'string' && /^[A-Za-z0-9+/=_-]*$/.test(b)) return b;
    throw new OtlpDecodeError(`${path}.bytesValue: expected base64`);
  }
  return null;
}

function attributes(list: unknown, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  asList(list, path).forEach((item, i) => {
    const kv = asObject(item, `${path}[${i}]`);
    const key = asString(kv.key, `${path}[${i}].key`);
    out[key] = stringify(kv.value, `${path}[${i}].value`);
  });
  return out;
}

function normalize(object: unknown, ids: Ids): DecodedRequest {
  const request = asObject(object, 'request');
  const spans: DecodedSpan[] = [];
  const rejected = { count: 0, reasons: [] as string[] };
  asList(field(request, 'resourceSpans'), 'resourceSpans').forEach((rsItem, r) => {
    const rsPath = `resourceSpans[${r}]`;
    const rs = asObject(rsItem, rsPath);
    const resource = optionalObject(field(rs, 'resource'), `${rsPath}.resource`);
    const resourceAttributes = attributes(resource.attributes, `${rsPath}.resource.attributes`);
    asList(field(rs, 'scopeSpans'), `${rsPath}.scopeSpans`).forEach((ssItem, s) => {
      const ssPath = `${rsPath}.scopeSpans[${s}]`;
      const ss = asObject(ssItem, ssPath);
      const scope = optionalObject(ss.scope, `${ssPath}.scope`);
      asList(ss.spans, `${ssPath}.spans`).forEach((spanItem, k) => {
        const path = `${ssPath}.spans[${k}]`;
        const span = asObject(spanItem, path);
        const status = optionalObject(span.status, `${path}.status`);
        const traceId = readId(field(span, 'traceId'), ids, 16, `${path}.traceId`);
        const spanId = readId(field(span, 'spanId'), ids, 8, `${path}.spanId`);
        const parentSpanId = readId(field(span, 'parentSpanId'), ids, 8, `${path}.parentSpanId`);
        const decoded: DecodedSpan = {
          resourceAttributes,
          serviceName: resourceAttributes['service.name'] ?? '',
          scopeName: asString(scope.name, `${ssPath}.scope.name`),
          scopeVersion: asString(scope.version, `${ssPath}.scope.version`),
          traceId: traceId ?? '',
          spanId: spanId ?? '',
          parentSpanId: parentSpanId ?? '',
          traceState: asString(field(span, 'traceState'), `${path}.traceState`),
          name: asString(span.name, `${path}.name`),
          kind: asEnum(span.kind, SPAN_KINDS, `${path}.kind`),
          startTimeUnixNano: asNanos(field(span, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
          endTimeUnixNano: asNanos(field(span, 'endTimeUnixNano'), `${path}.endTimeUnixNano`),
          attributes: attributes(span.attributes, `${path}.attributes`),
          events: asList(span.events, `${path}.events`).map((item, e) => {
            const event = asObject(item, `${path}.events[${e}]`);
            return {
              timeUnixNano: asNanos(field(event, 'timeUnixNano'), `${path}.events[${e}].timeUnixNano`),
              name: asString(event.name, `${path}.events[${e}].name`),
              attributes: attributes(event.attributes, `${path}.events[${e}].attributes`),
            };
          }),
          links: asList(span.links, `${path}.links`).map((item, l) => {
            const link = asObject(item, `${path}.links[${l}]`);
            return {
              traceId: readId(field(link, 'traceId'), ids, 16, `${path}.links[${l}].traceId`) ?? '',
              spanId: readId(field(link, 'spanId'), ids, 8, `${path}.links[${l}].spanId`) ?? '',
              traceState: asString(field(link, 'traceState'), `${path}.links[${l}].traceState`),
              attributes: attributes(link.attributes, `${path}.links[${l}].attributes`),
            };
          }),
          statusCode: asEnum(status.code, STATUS_CODES, `${path}.status.code`),
          statusMessage: asString(status.message, `${path}.status.message`),
        };
        // The spec makes trace and span ids mandatory and non-zero; such a span is refused alone.
        if (!traceId || !spanId || parentSpanId === undefined || /^0+$/.test(traceId) || /^0+$/.test(spanId)) {
          rejected.count += 1;
          if (rejected.reasons.length < 5) rejected.reasons.push(`${path}: invalid traceId/spanId`);
          return;
        }
        spans.push(decoded);
      });
    });
  });
  return { spans, rejected };
}
