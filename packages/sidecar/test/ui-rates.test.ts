import { ensureUiBuilt } from '@behavior-rate/ui/build';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { chartPixelsNear, collectPageErrors, cssVariable, launchChromium, screenshot } from './ui-browser.ts';
import { canaryRows, FINGERPRINT_AFTER, FINGERPRINT_BEFORE, insertTraceRows, supportBotRows, UI_BEHAVIORS_YAML } from './ui-seed.ts';

let server: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  await ensureUiBuilt();
  server = await startTestServer({ behaviorsYaml: UI_BEHAVIORS_YAML });
  // Three hours of support-bot traffic; the provider changes backend 40 minutes before the end.
  const end = new Date();
  await insertTraceRows(server.store, [
    ...supportBotRows({ end, minutes: 180, callsPerMinute: 20, changeAfterMinutes: 140, rateBefore: 0.01, rateAfter: 0.08, seed: 7 }),
    // The canary set saw the same change: its refund case starts failing at the same minute.
    ...canaryRows({ end, minutes: 180, changeAfterMinutes: 140, seed: 8 }),
  ]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  errors = collectPageErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

describe('Rates page', () => {
  it('draws the rate with its interval band, the objective and the fingerprint change', async () => {
    await page.goto(`${server.apiUrl}/?behavior=wrong_sla&range=6h`);
    const chart = page.locator('figure.chart[data-ready="true"]');
    await chart.waitFor({ timeout: 15_000 });
    expect(await chart.getAttribute('data-bands')).toBe('1');
    expect(await chart.getAttribute('data-markers')).toBe('1');
    // 6 hours are drawn in 5-minute steps: the 180 seeded minutes fill 36 of them (37 when not aligned).
    expect(['36', '37']).toContain(await chart.getAttribute('data-points'));
    await expect.poll(() => page.locator('.summary').textContent()).toMatch(/^wrong_sla, .*: \d+ of 3,600 calls: [\d.]+% \(95% CI [\d.]+%–[\d.]+%\)$/);
    expect(await page.locator('ul.markers').textContent()).toContain(`first call on ${FINGERPRINT_AFTER}`);
    expect(await page.locator('.chart-legend').textContent()).toContain('objective 2.00%');
    // The marker is really drawn: its canvas column carries the marker colour.
    const markerX = Number((await page.locator('.chart-canvas').getAttribute('data-marker-x'))?.split(',')[0]);
    expect(markerX).toBeGreaterThan(0);
    const markerColour = await cssVariable(page, '--marker');
    const onMarker = await chartPixelsNear(page, markerX, markerColour);
    expect(onMarker).toBeGreaterThan(40);
    expect(await chartPixelsNear(page, markerX - 40, markerColour)).toBeLessThan(onMarker / 4);
    await screenshot(page, 'ui-rates');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.locator('figure.chart[data-ready="true"]').waitFor({ timeout: 15_000 });
    await screenshot(page, 'ui-rates-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('changing the split updates the URL and the chart, and Back restores both', async () => {
    await page.locator('figure.chart[data-ready="true"]').waitFor();
    await page.locator('select[name="by"]').selectOption('traffic_class');
    await page.waitForURL(/by=traffic_class/);
    const split = page.locator('figure.chart[data-by="traffic_class"][data-ready="true"]');
    await split.waitFor({ timeout: 15_000 });
    expect(await split.getAttribute('data-lines')).toBe('2');
    expect(await split.getAttribute('data-bands')).toBe('2');
    const legend = await page.locator('.chart-legend').textContent();
    expect(legend).toContain('refund');
    expect(legend).toContain('shipping');
    expect(new URL(page.url()).searchParams.get('behavior')).toBe('wrong_sla');
    await screenshot(page, 'ui-rates-split');

    await page.locator('select[name="by"]').selectOption('fingerprint');
    const byFingerprint = page.locator('figure.chart[data-by="fingerprint"][data-ready="true"]');
    await byFingerprint.waitFor({ timeout: 15_000 });
    expect(await page.locator('.chart-legend').textContent()).toContain(FINGERPRINT_BEFORE);

    await page.goBack();
    await page.locator('figure.chart[data-by="traffic_class"][data-ready="true"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('select[name="by"]').inputValue()).toBe('traffic_class');
  });

  it('a shared link opens the same view', async () => {
    const shared = page.url();
    const other = await browser.newPage();
    await other.goto(shared);
    await other.locator('figure.chart[data-by="traffic_class"][data-ready="true"]').waitFor({ timeout: 15_000 });
    expect(await other.locator('select[name="behavior"]').inputValue()).toBe('wrong_sla');
    expect(await other.locator('select[name="range"]').inputValue()).toBe('6h');
    await other.close();
    expect(errors).toEqual([]);
  });
});

describe('keyboard', () => {
  it('the skip link comes first, and the split can be changed with the arrow keys', async () => {
    await page.goto(`${server.apiUrl}/?behavior=wrong_sla&range=6h`);
    await page.locator('figure.chart[data-ready="true"]').waitFor({ timeout: 15_000 });
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.locator('select[name="by"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(/by=fingerprint/);
    await page.locator('figure.chart[data-by="fingerprint"][data-ready="true"]').waitFor({ timeout: 15_000 });
    // Focus stays on the control that was used: the page updates in place.
    expect(await page.evaluate('document.activeElement.name')).toBe('by');
  });
});

describe('time range picker', () => {
  it('a custom range starts from the range shown, and applying it redraws the chart over that range', async () => {
    await page.goto(`${server.apiUrl}/?behavior=wrong_sla&range=6h`);
    await page.locator('figure.chart[data-ready="true"]').waitFor({ timeout: 15_000 });
    await page.locator('select[name="range"]').selectOption('custom');
    await page.waitForURL(/from=.*to=/);
    const from = page.locator('input[name="from"]');
    expect(await from.isVisible()).toBe(true);
    // The last 90 minutes (in the browser's local time, which the inputs use): one step a minute.
    const to = new Date(new URL(page.url()).searchParams.get('to') as string);
    const start = new Date(to.getTime() - 90 * 60_000);
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await from.fill(local(start));
    await from.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('from') === start.toISOString());
    // 90 one-minute steps, less the still-open minute(s) at the end that were not seeded.
    await expect.poll(async () => Number(await page.locator('figure.chart[data-ready="true"]').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThanOrEqual(88);
    expect(Number(await page.locator('figure.chart[data-ready="true"]').getAttribute('data-points'))).toBeLessThanOrEqual(90);
    expect(await page.locator('.summary').textContent()).toContain(`${start.toISOString().slice(0, 16).replace('T', ' ')}Z`);
  });
});

describe('Drift page', () => {
  it('draws the drift score with its threshold, the per-case table and the traffic mix', async () => {
    await page.goto(`${server.apiUrl}/?page=drift&range=6h`);
    const charts = page.locator('figure.chart[data-ready="true"]');
    await expect.poll(() => charts.count(), { timeout: 15_000 }).toBe(2);
    const cases = page.locator('table.cases tbody tr');
    expect(await cases.count()).toBe(3);
    const refund = await cases.filter({ hasText: 'refund-sla' }).textContent();
    expect(refund).toMatch(/seven hours/);
    expect(await page.locator('main section').nth(1).textContent()).toMatch(/threshold 0\.\d\d/);
    await screenshot(page, 'ui-drift');
    expect(errors).toEqual([]);
  });
});
