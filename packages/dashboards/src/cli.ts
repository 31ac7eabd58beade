/**
 * Writes the generated dashboards and Grafana provisioning files to `dashboards/` at the
 * repository root (or the directory given as the first argument), removing generated
 * files that no longer exist so the directory always equals the code's output.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.argv[2] ?? join(root, 'dashboards'));

function listFiles(dir: string): string[] {
  let found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    found = statSync(path).isDirectory() ? [...found, ...listFiles(path)] : [...found, path];
  }
  return found;
}

const files = generate();
mkdirSync(outDir, { recursive: true });
for (const stale of listFiles(outDir).map((path) => relative(outDir, path))) {
  if (!(stale in files) && /\.(json|yaml)$/.test(stale)) rmSync(join(outDir, stale));
}
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(outDir, path)), { recursive: true });
  writeFileSync(join(outDir, path), content);
}
console.log(`wrote ${Object.keys(files).length} files to ${relative(process.cwd(), outDir) || '.'}`);
