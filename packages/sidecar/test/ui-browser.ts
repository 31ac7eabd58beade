import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Screenshots for people to look at; gitignored. */
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');

/** Debian's Chromium, headless; no browser is ever downloaded. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Browser console errors are test failures: a page that throws can still look fine. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}

/**
 * Counts pixels in the chart canvas columns around x (CSS px) whose colour is within a
 * small distance of `cssColour`. Written as page source because the tests are
 * type-checked without the DOM library.
 */
export async function chartPixelsNear(page: Page, x: number, cssColour: string): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('.chart canvas');
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = ${JSON.stringify(cssColour)};
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    let best = 0;
    for (const dx of [-1, 0]) {
      const column = canvas.getContext('2d').getImageData(Math.round(${x} * ratio) + dx, 0, 1, canvas.height).data;
      let near = 0;
      for (let i = 0; i < column.length; i += 4) {
        if (Math.abs(column[i] - r) + Math.abs(column[i + 1] - g) + Math.abs(column[i + 2] - b) < 60) near++;
      }
      best = Math.max(best, near);
    }
    return best;
  })()`);
}

/** A CSS custom property of the page's root, e.g. a theme colour. */
export async function cssVariable(page: Page, name: string): Promise<string> {
  return page.evaluate(`getComputedStyle(document.documentElement).getPropertyValue(${JSON.stringify(name)}).trim()`);
}
