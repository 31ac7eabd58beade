import { readFileSync } from 'node:fs';
import bearerAuth from '@fastify/bearer-auth';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from './config.ts';

/**
 * Bearer tokens from the environment (comma-separated) and/or a file (one per line,
 * `#` comments). Tokens are secrets: they are never logged, and the file is read once at start.
 */
export function loadTokens(fromEnv: string | undefined, file: string | undefined): string[] {
  const tokens = (fromEnv ?? '').split(',');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`token file ${file}: ${(error as Error).message}`);
    }
    tokens.push(...text.split('\n').map((line) => line.replace(/#.*$/, '')));
  }
  return [...new Set(tokens.map((token) => token.trim()).filter((token) => token.length > 0))];
}

/**
 * Requires `Authorization: Bearer <token>` on every request except the paths `isPublic`
 * allows (liveness probes, the UI's static files — they hold no data). Comparison is
 * constant-time (@fastify/bearer-auth); a refusal is a bare 401 that says nothing about why.
 */
export function requireBearerToken(app: FastifyInstance, tokens: readonly string[], isPublic: (path: string) => boolean): void {
  app.register(bearerAuth, {
    keys: new Set(tokens),
    addHook: false,
    errorResponse: () => ({ error: 'Unauthorized' }),
    verifyErrorLogLevel: 'debug',
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (isPublic(request.url.split('?')[0] ?? '')) return done();
    app.verifyBearerAuth?.(request, reply, done);
  });
}
