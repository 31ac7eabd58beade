import { gunzipSync, inflateSync } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { requireBearerToken } from '../auth.ts';
import { StoreUnavailableError } from '../store/store.ts';
import { decodeJson, decodeProtobuf, ExportTraceServiceResponse, OtlpDecodeError, RpcStatus, type DecodedRequest } from './decode.ts';
import { IngestBusyError, type Ingestor, type IngestResult } from './ingest.ts';

export interface ReceiverOptions {
  ingestor: Ingestor;
  /** Largest body accepted, before and after decompression, in bytes. */
  maxBodyBytes: number;
  /** Seconds a client is told to wait after 429 (busy). Default 1. */
  busyRetryAfterSeconds?: number;
  /** Seconds a client is told to wait after 503 (store down). Default 5. */
  unavailableRetryAfterSeconds?: number;
  /** Largest total request header size, bytes (larger → 431). Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Where store outages are reported (the cause, e.g. "not enough space"), at most once per 10 s. Default: not reported. */
  log?: (line: string) => void;
  /** Bearer tokens required on ingest. Default none: ingest is open (bind to loopback or a private network). */
  tokens?: readonly string[];
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/**
 * The OTLP/HTTP traces receiver (`POST /v1/traces`), per the OTLP/HTTP specification:
 * protobuf or JSON, optionally gzip/deflate, responses in the request's encoding. A 200
 * is sent only after the batch is committed to the store.
 */
export function buildReceiver(options: ReceiverOptions): FastifyInstance {
  const busyRetry = String(options.busyRetryAfterSeconds ?? 1);
  const downRetry = String(options.unavailableRetryAfterSeconds ?? 5);
  const reportOutage = throttled(options.log, 10_000);
  const app = Fastify({ bodyLimit: options.maxBodyBytes, logger: false, http: { maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024 } });

  if (options.tokens !== undefined && options.tokens.length > 0) requireBearerToken(app, options.tokens, () => false);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/v1/traces', async (request, reply) => {
    const isProtobuf = isProtobufRequest(request);
    let decoded: DecodedRequest;
    try {
      const body = decompress(request, options.maxBodyBytes);
      decoded = isProtobuf ? decodeProtobuf(body) : decodeJson(body);
    } catch (error) {
      if (error instanceof PayloadError) return sendStatus(reply, isProtobuf, error.statusCode, error.message);
      if (error instanceof OtlpDecodeError) return sendStatus(reply, isProtobuf, 400, error.message);
      throw error;
    }
    let result: IngestResult;
    try {
      result = await options.ingestor.write(decoded);
    } catch (error) {
      if (error instanceof IngestBusyError) {
        reply.header('retry-after', busyRetry);
        return sendStatus(reply, isProtobuf, 429, `store is busy: ${error.message}; retry later`);
      }
      if (error instanceof StoreUnavailableError) {
        request.log.error({ err: error }, 'store unavailable during ingest');
        reportOutage(`OTLP ingest: store unavailable, answering 503: ${error.message}`);
        reply.header('retry-after', downRetry);
        return sendStatus(reply, isProtobuf, 503, 'store unavailable; retry later');
      }
      throw error;
    }
    const partialSuccess = result.rejected > 0 ? { rejectedSpans: result.rejected, errorMessage: result.rejectedReasons.join('; ') } : undefined;
    if (isProtobuf) {
      const message = ExportTraceServiceResponse.fromObject(partialSuccess === undefined ? {} : { partialSuccess });
      return reply.code(200).type(PROTOBUF).send(Buffer.from(ExportTraceServiceResponse.encode(message).finish()));
    }
    return reply.code(200).type(JSON_TYPE).send(partialSuccess === undefined ? {} : { partialSuccess });
  });

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'receiver failure');
    const message =
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? `content-type "${request.headers['content-type'] ?? ''}" is not supported; send ${PROTOBUF} or ${JSON_TYPE}`
      : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `body exceeds the ${options.maxBodyBytes}-byte limit`
      : status === 401 ? 'Unauthorized'
      : status === 500 ? 'internal error' : error.message;
    return sendStatus(reply, isProtobufRequest(request), status, message);
  });
  return app;
}

/** One line per `intervalMs` at most, with the count of lines held back: an outage must not flood the log. */
function throttled(log: ((line: string) => void) | undefined, intervalMs: number): (line: string) => void {
  let last = 0;
  let held = 0;
  return (line) => {
    if (log === undefined) return;
    const now = Date.now();
    if (now - last < intervalMs) {
      held += 1;
      return;
    }
    log(held > 0 ? `${line} (and ${held} more since the last report)` : line);
    last = now;
    held = 0;
  };
}

class PayloadError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

function isProtobufRequest(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith(PROTOBUF);
}

function decompress(request: FastifyRequest, maxBytes: number): Buffer {
  const body = request.body as Buffer;
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  try {
    if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: maxBytes });
    if (encoding === 'deflate') return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadError(413, `decompressed body exceeds the ${maxBytes}-byte limit`);
    }
    throw new PayloadError(400, `invalid ${encoding} body: ${(error as Error).message}`);
  }
  if (encoding !== 'identity') throw new PayloadError(415, `unsupported content-encoding "${encoding}" (use gzip, deflate or none)`);
  return body;
}

/** gRPC codes for the HTTP statuses the receiver sends (google.rpc.Code). */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 413: 3, 415: 3, 429: 8, 503: 14 };

/** Error bodies: a google.rpc.Status in the request's encoding, as OTLP/HTTP asks. */
function sendStatus(reply: FastifyReply, protobuf: boolean, httpStatus: number, message: string): FastifyReply {
  reply.code(httpStatus);
  const status = { code: GRPC_CODE[httpStatus] ?? 13, message };
  if (protobuf) return reply.type(PROTOBUF).send(Buffer.from(RpcStatus.encode(RpcStatus.fromObject(status)).finish()));
  return reply.type(JSON_TYPE).send(status);
}
