import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where the built UI lives: static files the sidecar serves at `/`. Built by
 * `npm run build -w packages/ui` (run at install); nothing is fetched at run time.
 */
export const uiDistDir: string = fileURLToPath(new URL('../dist/', import.meta.url));

/** Whether the UI has been built (its index.html exists). */
export function uiIsBuilt(dir: string = uiDistDir): boolean {
  return existsSync(`${dir}index.html`);
}
