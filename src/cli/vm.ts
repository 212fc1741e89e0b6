// `macrohard vm`: the hypervisor from the host shell.
//   macrohard vm run [--kernel PATH] [--initrd PATH] [--append TEXT] [--disk PATH] [--mem MiB]
//                    [--smp N] [--script FILE] [--timeout S] [--switch PATH] [--mac MAC] [--clock KIND]
//   macrohard vm image build [--force]     builds (or finds cached) the Debian-source guest
import type { Command } from './main.js';

const USAGE = `macrohard vm run [--guest NAME] [--kernel PATH] [--initrd PATH] [--append TEXT] [--disk PATH | --disk-ro PATH]
                 [--mem MiB] [--smp N] [--script FILE] [--timeout S]
                 [--switch PATH] [--mac MAC] [--clock real|virtual|paced]
       macrohard vm image build [--force]`;

export const command: Command = {
  summary: 'Run a RISC-V guest on the built-in hypervisor, or build the Debian-source guest image.',
  usage: USAGE,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'run') {
      const { parseVmArgs, runVm, UsageError } = await import('../hv/riscv/run.js');
      const { BootError } = await import('../hv/riscv/boot.js');
      const { DiskError } = await import('../hv/devices/file-disk.js');
      const { guestFile, readGuest, GuestDescriptionError } = await import('../hv/guest/describe.js');
      try {
        // --guest NAME starts from guests/NAME.toml; the other options given win.
        const at = rest.indexOf('--guest');
        let args = rest;
        if (at >= 0) {
          const name = rest[at + 1];
          if (!name) throw new UsageError('--guest needs a name or a path');
          const g = readGuest(guestFile(name, process.cwd()));
          args = [
            ...(g.kernel ? ['--kernel', g.kernel] : []), ...(g.initrd ? ['--initrd', g.initrd] : []),
            '--append', g.append, '--mem', String(g.memMiB), '--smp', String(g.harts),
            ...g.disks.flatMap((d) => [d.readOnly ? '--disk-ro' : '--disk', d.path]),
            ...rest.slice(0, at), ...rest.slice(at + 2),
          ];
        }
        return await runVm(parseVmArgs(args), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
      } catch (e) {
        if (e instanceof UsageError || e instanceof BootError || e instanceof DiskError || e instanceof GuestDescriptionError) {
          process.stderr.write(`macrohard vm run: ${e.message}\n`);
          return 2;
        }
        throw e;
      }
    }
    if (sub === 'image' && rest[0] === 'build') {
      const { buildGuest } = await import('../hv/guest/build.js');
      const t0 = Date.now();
      try {
        const files = buildGuest({ log: (s) => process.stderr.write(s + '\n'), force: rest.includes('--force') });
        process.stdout.write(`kernel ${files.kernel}\ninitrd ${files.initrd}\n(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
        return 0;
      } catch (e) {
        process.stderr.write(`macrohard vm image build: ${(e as Error).message}\n`);
        return 1;
      }
    }
    process.stderr.write(`usage: ${USAGE}\n`);
    return 2;
  },
};
