// `macrohard image`: builds a disk image from a configuration (config/*.toml) and the recipes,
// with the packages cached in build/packages (src/build, docs/build.md).
import type { Command } from './main.js';

export const command: Command = {
  summary: 'Build a disk image from a configuration: macrohard image build config/server.toml',
  usage: 'macrohard image build CONFIG.toml [--build-dir DIR] [--recipes DIR] [--bundles DIR] [--force] [--quiet]\n       macrohard image path CONFIG.toml [--build-dir DIR]',
  async run(args) {
    const [verb, ...rest] = args;
    if (verb !== 'build' && verb !== 'path') {
      process.stderr.write(`usage: ${this.usage}\n`);
      return 2;
    }
    let config: string | undefined;
    let buildDir: string | undefined;
    let recipes: string | undefined;
    let bundles: string | undefined;
    let force = false;
    let quiet = false;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '--build-dir') {
        buildDir = rest[++i];
        if (!buildDir) {
          process.stderr.write('macrohard image: --build-dir needs a folder\n');
          return 2;
        }
      } else if (a === '--bundles') {
        bundles = rest[++i];
        if (!bundles) {
          process.stderr.write('macrohard image: --bundles needs a folder\n');
          return 2;
        }
      } else if (a === '--recipes') {
        recipes = rest[++i];
        if (!recipes) {
          process.stderr.write('macrohard image: --recipes needs a folder\n');
          return 2;
        }
      } else if (a === '--force' || a === '-f') force = true;
      else if (a === '--quiet' || a === '-q') quiet = true;
      else if (a.startsWith('-') || config !== undefined) {
        process.stderr.write(`macrohard image: unexpected '${a}'\nusage: ${this.usage}\n`);
        return 2;
      } else config = a;
    }
    if (!config) {
      process.stderr.write(`macrohard image: which configuration? (e.g. config/server.toml)\nusage: ${this.usage}\n`);
      return 2;
    }
    const { resolve, join, basename } = await import('node:path');
    const { BuildError } = await import('../build/source.js');
    const { REPO_ROOT } = await import('../build/cookbook.js');
    if (verb === 'path') {
      process.stdout.write(join(resolve(buildDir ?? join(REPO_ROOT, 'build')), basename(config).replace(/\.toml$/, ''), 'harddrive.img') + '\n');
      return 0;
    }
    const { buildConfigImage } = await import('../build/image.js');
    try {
      await buildConfigImage({ config, buildDir: buildDir ? resolve(buildDir) : undefined, recipesDir: recipes ? resolve(recipes) : undefined, bundleDir: bundles ? resolve(bundles) : undefined, force, progress: quiet ? null : process.stderr });
      return 0;
    } catch (e) {
      if (e instanceof BuildError) {
        process.stderr.write(`\nmacrohard image: ${e.message}\n`);
        return 1;
      }
      process.stderr.write(`\nmacrohard image: ${(e as Error).message}\n`);
      return 1;
    }
  },
};
