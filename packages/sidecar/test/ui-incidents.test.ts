import { startSimProvider, supportBotScenario, type SimProvider } from '@behavior-rate/sim-provider';
import { ensureUiBuilt } from '@behavior-rate/ui/build';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { collectPageErrors, launchChromium, screenshot } from './ui-browser.ts';
import { incidentRow, insertTraceRows, supportBotRows, UI_BEHAVIORS_YAML } from './ui-seed.ts';

const TRACE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const REPLAYS = 60;

let server: TestServer;
let provider: SimProvider;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  await ensureUiBuilt();
  // A little latency so the replays take long enough for progress to be seen.
  provider = await startSimProvider({ scenario: supportBotScenario, seed: 3, latency: { baseMs: 40 } });
  server = await startTestServer({ behaviorsYaml: UI_BEHAVIORS_YAML });
  const now = Date.now();
  await insertTraceRows(server.store, [
    ...supportBotRows({ end: new Date(now), minutes: 90, callsPerMinute: 10, changeAfterMinutes: 60, rateBefore: 0.01, rateAfter: 0.05, seed: 11 }),
    incidentRow({ traceId: TRACE_ID, spanId: '0123456789abcdef', timeMs: now - 20 * 60_000 }),
  ]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  errors = collectPageErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
  await provider?.close();
});

describe('Incidents page', () => {
  it('opens an incident from a trace id, replays it against the provider with progress, and shows the postmortem', async () => {
    await page.goto(`${server.apiUrl}/?page=incidents`);
    await page.locator('input[name="trace"]').fill(TRACE_ID);
    await page.locator('input[name="replays"]').fill(String(REPLAYS));
    await page.locator('input[name="concurrency"]').fill('4');
    await page.locator('input[name="endpoint"]').fill(`${provider.url}/v1`);
    await page.locator('select[name="behavior"] option[value="wrong_sla"]').waitFor({ state: 'attached' });
    await page.locator('select[name="behavior"]').selectOption('wrong_sla');
    // Keyboard only: Enter in the form submits it.
    await page.locator('input[name="concurrency"]').press('Enter');

    await page.waitForURL(/page=incidents.*incident=/);
    expect(new URL(page.url()).searchParams.get('trace')).toBe(TRACE_ID);
    await expect.poll(() => page.locator('.incident [role="status"]').textContent(), { timeout: 30_000 }).toMatch(/Replaying: \d+ of 60 done|Replays finished/);

    const frame = page.locator('iframe.postmortem-frame');
    await frame.waitFor({ timeout: 60_000 });
    const status = await page.locator('.incident [role="status"]').textContent();
    expect(status).toMatch(new RegExp(`^Replays finished: ${REPLAYS} answered, 0 failed`));
    // The provider really got the replays: the same request, N times.
    const replayed = provider.requests.filter((r) => JSON.stringify(r.body).includes('How long does a refund take?'));
    expect(replayed.length).toBe(REPLAYS);

    const report = page.frameLocator('iframe.postmortem-frame');
    await report.locator('body').waitFor();
    await expect.poll(() => report.locator('body').textContent(), { timeout: 20_000 }).toContain('What We Could Not Determine');
    const text = (await report.locator('body').textContent()) ?? '';
    expect(text).toContain('What We Changed Anyway');
    expect(text).toContain(TRACE_ID);
    expect(text).toMatch(new RegExp(`of ${REPLAYS}`));

    const markdownHref = await page.locator('a[download$=".md"]').getAttribute('href');
    const markdown = await page.evaluate(async (href) => (await fetch(href as string)).text(), markdownHref);
    expect(markdown).toMatch(/^#/m);
    expect(markdown).toContain('What We Could Not Determine');
    await screenshot(page, 'ui-incident-postmortem');
  });

  it('a shared link reopens the incident with its postmortem', async () => {
    const other = await browser.newPage();
    await other.goto(page.url());
    await other.locator('iframe.postmortem-frame').waitFor({ timeout: 20_000 });
    expect(await other.locator('input[name="trace"]').inputValue()).toBe(TRACE_ID);
    await other.close();
  });

  it('an unknown trace gets a clear message', async () => {
    await page.goto(`${server.apiUrl}/?page=incidents`);
    await page.locator('input[name="trace"]').fill('ffffffffffffffffffffffffffffffff');
    await page.locator('input[name="replays"]').fill('5');
    await page.getByRole('button', { name: 'Open incident and replay' }).click();
    const shown = page.locator('[data-message="error"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toMatch(/404.*ffffffffffffffffffffffffffffffff/);
    expect(errors).toEqual([]);
  });

  it('lists recent calls that showed the chosen behavior; picking one fills the trace id', async () => {
    await page.goto(`${server.apiUrl}/?page=incidents`);
    await page.locator('select[name="behavior"] option[value="wrong_sla"]').waitFor({ state: 'attached' });
    await page.locator('select[name="behavior"]').selectOption('wrong_sla');
    const pick = page.locator('.flagged button', { hasText: TRACE_ID });
    await pick.waitFor({ timeout: 15_000 });
    const rows = await page.locator('.flagged tbody tr').count();
    const [count] = await server.store.query<{ n: string | number }>('test', "SELECT count() AS n FROM genai_calls WHERE has(behaviors, 'wrong_sla') AND source = 'live' AND timestamp >= now() - INTERVAL 1 DAY");
    expect(rows).toBe(Math.min(20, Number(count?.n)));
    await expect.poll(() => page.locator('.flagged tbody tr', { hasText: TRACE_ID }).textContent()).toMatch(/seven hours/);
    await pick.click();
    expect(await page.locator('input[name="trace"]').inputValue()).toBe(TRACE_ID);
    await screenshot(page, 'ui-incidents-flagged');
    expect(errors).toEqual([]);
  });
});
