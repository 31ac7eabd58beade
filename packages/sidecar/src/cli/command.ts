import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran but failed (server down, bad data): printed without a stack, exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export interface Command {
  name: string;
  /** One line for `behavior-rate --help`. */
  summary: string;
  /** Full usage text for `behavior-rate NAME --help`. */
  usage: string;
  run(argv: string[]): Promise<void>;
}

/** parseArgs with strict checking, turning its errors into UsageErrors that name the option. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses an integer option with bounds; the message names the option. */
export function integerOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses durations like 30s, 15m, 6h, 7d. */
export function durationOption(name: string, value: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  if (match === null) throw new UsageError(`--${name}: expected a duration like 30m, 6h or 7d, got ${JSON.stringify(value)}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit * 1000;
}

/** The API base URL: --url, else BEHAVIOR_RATE_URL, else the local default. */
export function apiUrl(flag: string | undefined): string {
  return (flag ?? process.env.BEHAVIOR_RATE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
}

/** The bearer token for a sidecar that requires one: env BEHAVIOR_RATE_TOKEN. Never printed. */
export function authorization(): Record<string, string> {
  const token = process.env.BEHAVIOR_RATE_TOKEN;
  return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` };
}

/** POSTs JSON to an API path; API errors become CommandErrors carrying the server's message. */
export async function postJson<T>(base: string, path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization() }, body: JSON.stringify(body) });
  } catch (error) {
    throw unreachable(base, error);
  }
  const answer = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) throw new CommandError(`${response.status} from ${path}: ${answer.message ?? response.statusText}`);
  return answer;
}

function unreachable(base: string, error: unknown): CommandError {
  const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
  return new CommandError(`cannot reach the sidecar at ${base} (${reason}); is \`behavior-rate serve\` running? (--url or BEHAVIOR_RATE_URL to point elsewhere)`);
}

/** GETs a JSON API path; API errors become CommandErrors carrying the server's message. */
export async function getJson<T>(base: string, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { headers: authorization() });
  } catch (error) {
    throw unreachable(base, error);
  }
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) throw new CommandError(`${response.status} from ${path.split('?')[0]}: ${body.message ?? response.statusText}`);
  return body;
}
