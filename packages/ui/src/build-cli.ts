// `npm run build -w packages/ui`: builds the static UI the sidecar serves.
import { buildUi } from './build.ts';
import { uiDistDir } from './index.ts';

await buildUi();
console.log(`behavior-rate UI built into ${uiDistDir}`);
