// The `macrohard` command: one subcommand per module under src/cli, loaded on demand so that
// `macrohard boot` pays only for what booting needs.

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  bench: async () => (await import('./bench.js')).command,
  version: async () => (await import('./version.js')).command,
};

function help(): string {
  const lines = ['usage: macrohard COMMAND [ARGS...]', '', 'commands:'];
  for (const name of Object.keys(commands)) lines.push(`  ${name}`);
  lines.push('', 'Run `macrohard COMMAND --help` for a command\'s options.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`macrohard: unknown command '${name}'\n` + help());
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.summary}\n\nusage: ${cmd.usage}\n`);
    return 0;
  }
  return cmd.run(rest);
}
