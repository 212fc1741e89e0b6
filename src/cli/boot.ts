// `macrohard boot`: boots MACROHARD in this terminal.
import type { Command } from './main.js';

export const command: Command = {
  summary: 'Boot MACROHARD in this terminal (-c: run one command, print its output, power off).',
  usage: 'macrohard boot [--image PATH | --config NAME] [--net none|user[,hostfwd=tcp::HOSTPORT-:PORT]|tap[,ifname=NAME,addr=A/N]] [--switch PATH] [-c COMMAND] [--quiet | --verbose]',
  async run(args) {
    let cmd: string | undefined;
    let quiet: boolean | undefined;
    let image: string | undefined;
    let config: string | undefined;
    let net: string | undefined;
    let sw: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-c') {
        cmd = args[++i];
        if (cmd === undefined) {
          process.stderr.write('macrohard boot: -c needs a command\n');
          return 2;
        }
      } else if (a === '--image') {
        image = args[++i];
        if (!image) {
          process.stderr.write('macrohard boot: --image needs a path\n');
          return 2;
        }
      } else if (a === '--net') {
        net = args[++i];
        if (!net) {
          process.stderr.write('macrohard boot: --net needs none, user or tap\n');
          return 2;
        }
      } else if (a === '--switch') {
        sw = args[++i];
        if (!sw) {
          process.stderr.write('macrohard boot: --switch needs the path of a Unix socket for guests (macrohard vm run --switch PATH)\n');
          return 2;
        }
      } else if (a === '--config') {
        config = args[++i];
        if (!config) {
          process.stderr.write('macrohard boot: --config needs a name (minimal, server, desktop) or a path\n');
          return 2;
        }
      } else if (a === '--quiet' || a === '-q') quiet = true;
      else if (a === '--verbose' || a === '-v') quiet = false;
      else {
        process.stderr.write(`macrohard boot: unknown option '${a}'\nusage: ${this.usage}\n`);
        return 2;
      }
    }
    if (config !== undefined) {
      if (image !== undefined) {
        process.stderr.write('macrohard boot: --image and --config name two disks; give one\n');
        return 2;
      }
      // Builds the configuration's image if it is missing or stale, then boots it.
      const { buildConfigImage } = await import('../build/image.js');
      const path = config.includes('/') || config.endsWith('.toml') ? config : `config/${config}.toml`;
      try {
        const built = await buildConfigImage({ config: path, progress: quiet === false || cmd === undefined ? undefined : null });
        image = built.image;
        net ??= built.network; // the configuration's [network], unless --net says otherwise
      } catch (e) {
        process.stderr.write(`macrohard boot: ${(e as Error).message}\n`);
        return 1;
      }
    }
    const { boot } = await import('../host/node/machine.js');
    const r = await boot({ command: cmd, quiet, image, net, switch: sw });
    return r.status;
  },
};
