import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { uiDistDir, uiIsBuilt } from './index.ts';

/** The browser sources: index.html and the TypeScript it loads. */
export const uiSourceDir: string = fileURLToPath(new URL('../web/', import.meta.url));

/**
 * Builds the UI into `outDir` (default `packages/ui/dist/`). Asset paths are relative
 * (`base: './'`) so the same files work at `/` or behind a proxy path prefix.
 */
export async function buildUi(outDir: string = uiDistDir): Promise<void> {
  await build({
    root: uiSourceDir,
    base: './',
    logLevel: 'warn',
    configFile: false,
    build: {
      outDir,
      emptyOutDir: true,
      // Browsers people run the sidecar UI in; no legacy bundle.
      target: 'es2022',
      reportCompressedSize: false,
    },
  });
}

/** Newest modification time under a directory (bounded walk: the UI sources are a few files). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Longest wait for another process's build; a lock older than this is taken over. */
const LOCK_WAIT_MS = 60_000;

/**
 * Builds the UI unless `dist/` is newer than every source file. Test files run in
 * parallel processes, so the build is serialised with a lock directory and re-checked
 * after the wait: one process builds, the others reuse its output.
 */
export async function ensureUiBuilt(outDir: string = uiDistDir): Promise<void> {
  const fresh = () => uiIsBuilt(outDir) && statSync(join(outDir, 'index.html')).mtimeMs >= newestMtime(uiSourceDir);
  if (fresh()) return;
  const lock = `${outDir.replace(/\/$/, '')}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed process is taken over once it is older than the longest build.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_WAIT_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the UI build lock ${lock} was held for more than ${LOCK_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (!fresh()) await buildUi(outDir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
