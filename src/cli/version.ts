// `macrohard version`: the version of this build.
import { readFileSync } from 'node:fs';
import type { Command } from './main.js';

export const command: Command = {
  summary: 'Print the MACROHARD version.',
  usage: 'macrohard version',
  async run() {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`MACROHARD ${pkg.version}\n`);
    return 0;
  },
};
