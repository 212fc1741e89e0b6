// The `macrohard` command. Each module in this folder that exports a `command` is the
// subcommand of its file's name (src/cli/boot.ts is `macrohard boot`), loaded on demand so
// that a command pays only for what it imports.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const here = new URL('./', import.meta.url);

function commandNames(): string[] {
  return readdirSync(fileURLToPath(here))
    .filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && f !== 'main.js')
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(name: string): Promise<Command | null> {
  if (!commandNames().includes(name)) return null;
  const mod = (await import(new URL(`${name}.js`, here).href)) as { command?: Command };
  return mod.command ?? null;
}

async function help(): Promise<string> {
  const lines = ['usage: macrohard COMMAND [ARGS...]', '', 'commands:'];
  for (const name of commandNames()) {
    const cmd = await load(name);
    if (cmd) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  lines.push('', "Run `macrohard COMMAND --help` for a command's options.");
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await help());
    return name ? 0 : 2;
  }
  const cmd = await load(name);
  if (!cmd) {
    process.stderr.write(`macrohard: unknown command '${name}'\n` + (await help()));
    return 2;
  }
  if (rest[0] === '--help' || rest[0] === '-h') {
    process.stdout.write(`${cmd.summary}\n\nusage: ${cmd.usage}\n`);
    return 0;
  }
  return cmd.run(rest);
}
