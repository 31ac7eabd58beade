/** Typed access to the sidecar's public API (`/api/v1/...`), relative to the page. */

export interface BehaviorRate {
  calls: number;
  hits: number;
  /** Null when there were no calls. */
  rate: number | null;
  ci_low: number;
  ci_high: number;
}

export interface RatePoint extends BehaviorRate {
  t: string;
}

export interface RateSeries {
  group: string;
  points: RatePoint[];
}

export interface RateAnswer {
  behavior: string;
  from: string;
  to: string;
  by: string | null;
  step: string | null;
  source: string;
  confidence: number;
  interval: string;
  total: BehaviorRate;
  series: RateSeries[];
}

export interface BehaviorListing {
  name: string;
  description: string;
  kind: 'builtin' | 'sql' | 'flag';
  objective: number | null;
  observed: boolean;
}

/** Why a request gave no answer, in words a person can act on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status, or 0 when the sidecar could not be reached. */
  readonly status: number;
  readonly path: string;
  constructor(status: number, path: string, message: string) {
    super(message);
    this.status = status;
    this.path = path;
  }
  /** The endpoint does not exist on this sidecar (an older version, or the feature is off). */
  get notAvailable(): boolean {
    return this.status === 404 && /^no route /.test(this.message);
  }
}

/** API paths are relative so the UI also works behind a proxy path prefix. */
function url(path: string): string {
  return path.replace(/^\//, '');
}

async function send<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path), {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, path, 'the sidecar did not answer (is it running?)');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const message = (parsed as { message?: unknown } | null)?.message;
    throw new ApiError(response.status, path, typeof message === 'string' ? message : `HTTP ${response.status}`);
  }
  if (parsed === null) throw new ApiError(response.status, path, 'the sidecar sent an answer that is not JSON');
  return parsed as T;
}

/** GET a JSON answer; non-2xx becomes an {@link ApiError} carrying the sidecar's message. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return send<T>('GET', path, undefined, signal);
}

/** POST a JSON body and read a JSON answer. */
export function postJson<T>(path: string, body: unknown): Promise<T> {
  return send<T>('POST', path, body);
}

/** Builds `path?k=v&…`, leaving out undefined values. */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

let behaviorsRequest: Promise<BehaviorListing[]> | null = null;

/**
 * The behaviors list, asked for once per page load and shared by every page. The shell
 * calls this first thing so the request overlaps with drawing the page.
 */
export function behaviorsOnce(): Promise<BehaviorListing[]> {
  behaviorsRequest ??= getJson<{ behaviors: BehaviorListing[] }>('/api/v1/behaviors').then((answer) => answer.behaviors);
  // A failed request is asked again next time rather than cached.
  behaviorsRequest.catch(() => { behaviorsRequest = null; });
  return behaviorsRequest;
}
