import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureUiBuilt } from '@behavior-rate/ui/build';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiRoutes } from '../src/api/ui.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { collectPageErrors, launchChromium, screenshot } from './ui-browser.ts';

// One empty sidecar, no canaries configured: every page must say what is missing, never show a blank area.
let server: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  await ensureUiBuilt();
  server = await startTestServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  errors = collectPageErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

describe('UI served by the sidecar', () => {
  it('serves index.html at / with a content security policy, and leaves API 404s as JSON', async () => {
    const index = await fetch(`${server.apiUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${server.apiUrl}/${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${server.apiUrl}/api/v1/no-such-thing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Not Found', message: 'no route GET /api/v1/no-such-thing' });
  });
});

describe('UI not built', () => {
  it('answers / with how to build it instead of a bare 404', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'behavior-rate-ui-unbuilt-'));
    const app = Fastify();
    app.register(uiRoutes({ root: empty }));
    try {
      const response = await app.inject('/');
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('npm run build -w packages/ui');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('clear messages instead of blank pages', () => {
  it('an empty database says so on the Rates page', async () => {
    await page.goto(`${server.apiUrl}/`);
    const shown = page.locator('[data-message="empty"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toMatch(/No live calls were recorded in this time range\..*database is empty.*OTLP receiver/);
    expect(await page.locator('figure.chart').count()).toBe(0);
    await screenshot(page, 'ui-empty-database');
  });

  it('an API error shows the status and the sidecar’s message', async () => {
    await page.route('**/api/v1/rates?**', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'Internal Server Error', message: 'internal error; see the sidecar log' }) }));
    await page.goto(`${server.apiUrl}/?behavior=refusal&range=7d`);
    const shown = page.locator('[data-message="error"][role="alert"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toBe('The sidecar answered 500 for /api/v1/rates.internal error; see the sidecar log');
    await screenshot(page, 'ui-api-error');
    await page.unrouteAll();
  });

  it('an unreachable sidecar is told apart from an error answer', async () => {
    await page.route('**/api/v1/behaviors', (route) => route.abort('connectionrefused'));
    await page.goto(`${server.apiUrl}/`);
    const shown = page.locator('[data-message="error"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toContain('The sidecar is not reachable.');
    await page.unrouteAll();
  });

  it('the Drift page says no canaries are configured, and that there are no runs or calls', async () => {
    await page.goto(`${server.apiUrl}/?page=drift`);
    const sections = page.locator('main section');
    await expect.poll(() => sections.locator('[aria-busy="true"]').count(), { timeout: 15_000 }).toBe(0);
    expect(await sections.nth(0).textContent()).toContain('No canaries are configured on this sidecar.');
    expect(await sections.nth(0).textContent()).toContain('--canaries');
    expect(await sections.nth(1).locator('[data-message]').textContent()).toContain('No canary runs were recorded in this time range.');
    expect(await sections.nth(2).locator('[data-message]').textContent()).toContain('No calls in this time range');
    await screenshot(page, 'ui-drift-no-canaries');
  });

  it('a missing endpoint is reported as not available, per section', async () => {
    await page.route('**/api/v1/traffic-mix?**', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'Not Found', message: 'no route GET /api/v1/traffic-mix' }) }));
    await page.goto(`${server.apiUrl}/?page=drift`);
    const shown = page.locator('[data-message="unavailable"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toContain('Traffic mix is not available on this sidecar.');
    await expect.poll(() => page.locator('main section').nth(1).textContent(), { timeout: 15_000 }).toContain('No canary runs');
    await page.unrouteAll();
    expect(errors).toEqual([]);
  });
});
