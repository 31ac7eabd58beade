#!/usr/bin/env node
// Runs on the Node 24 that the repository pins (npx and npm scripts put it first on PATH);
// Node 24 loads the TypeScript sources directly.
import { main } from '../src/cli/main.ts';

const code = await main(process.argv.slice(2));
// serve keeps running; every other command ends here.
if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exitCode = code;
