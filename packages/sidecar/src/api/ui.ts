import fastifyStatic from '@fastify/static';
import { uiDistDir, uiIsBuilt } from '@behavior-rate/ui';
import type { FastifyInstance } from 'fastify';

/**
 * The page's own files only: no third-party origins, no inline script. Inline styles
 * stay allowed because the chart library positions its elements with them.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>behavior-rate</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>behavior-rate</h1>
<p>The web UI has not been built on this machine. Build it with <code>npm run build -w packages/ui</code>
(it is built by <code>npm install</code>/<code>npm ci</code>) and restart the sidecar.</p>
<p>The API works without it: <a href="api/v1/behaviors">/api/v1/behaviors</a>, <code>/api/v1/rates</code>.</p></body></html>`;

/** Options of {@link uiRoutes}. */
export interface UiOptions {
  /** Directory of the built UI. Default: `@behavior-rate/ui`'s `dist/`. */
  root?: string;
}

/**
 * Serves the built web UI at `/`: index.html plus hashed assets under /assets/. Files
 * are listed once at start (no wildcard route), so unknown paths such as a mistyped
 * /api/v1/… still get the API's JSON 404. When the UI is not built, `/` says how to build it.
 */
export function uiRoutes(options: UiOptions = {}) {
  const root = options.root ?? uiDistDir;
  return async function routes(app: FastifyInstance): Promise<void> {
    if (!uiIsBuilt(root.endsWith('/') ? root : `${root}/`)) {
      app.get('/', async (_request, reply) => reply.code(503).header('retry-after', '60').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // Only our own files; dotfiles are never served.
      dotfiles: 'deny',
      // setHeaders below decides caching per file.
      cacheControl: false,
      setHeaders(reply, path) {
        // Asset names carry a content hash, so they never change; index.html must be re-read to pick up a new build.
        if (path.includes('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
        else reply.header('cache-control', 'no-cache');
        if (path.endsWith('.html')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        reply.header('x-content-type-options', 'nosniff');
      },
    });
  };
}
