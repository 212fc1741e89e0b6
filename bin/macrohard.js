#!/usr/bin/env node
// The `macrohard` command. The TypeScript sources are built into dist/ by `npm install`
// (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('macrohard: not built yet; run `npm run build` first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
