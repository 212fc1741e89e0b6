// `macrohard fs ls|cat|rm|mkdir|put|get|stat IMAGE ...`: list, read and write files inside an
// MHFS image from the host, without booting it. Works on a whole GPT disk image (the MHFS
// partition is found through the GPT) and on a bare partition image.
import { readFileSync, writeFileSync } from 'node:fs';
import { FsError } from '../fs/errors.js';
import { openImage } from '../fs/image.js';
import { Follow, type Mhfs } from '../fs/mhfs.js';
import { NodeType, S_IFMT } from '../fs/node.js';
import { mkdirp, readFile, remove, writeFile } from '../fs/paths.js';
import { Access } from '../fs/volume.js';
import type { Command } from './main.js';

const USAGE = `macrohard fs ls IMAGE [PATH]
       macrohard fs cat IMAGE PATH
       macrohard fs stat IMAGE PATH
       macrohard fs mkdir IMAGE PATH          (parents made as needed)
       macrohard fs rm IMAGE PATH             (a file, symlink or empty directory)
       macrohard fs put IMAGE HOST_FILE PATH  (parents made as needed)
       macrohard fs get IMAGE PATH HOST_FILE`;

function modeString(mode: number): string {
  const t = mode & S_IFMT;
  const c = t === 0o040000 ? 'd' : t === 0o120000 ? 'l' : '-';
  const rwx = (b: number, s: boolean, sc: string) => `${b & 4 ? 'r' : '-'}${b & 2 ? 'w' : '-'}${s ? (b & 1 ? sc : sc.toUpperCase()) : b & 1 ? 'x' : '-'}`;
  return c + rwx(mode >> 6, !!(mode & 0o4000), 's') + rwx(mode >> 3, !!(mode & 0o2000), 's') + rwx(mode, !!(mode & 0o1000), 't');
}

function lsLine(fs: Mhfs, id: number, name: string): string {
  const s = fs.stat(id);
  const target = (s.mode & S_IFMT) === 0o120000 ? ` -> ${fs.readlink(id)}` : '';
  const date = new Date(s.mtime.sec * 1000).toISOString().slice(0, 16).replace('T', ' ');
  return `${modeString(s.mode)} ${String(s.nlink).padStart(3)} ${String(s.uid).padStart(5)} ${String(s.gid).padStart(5)} ${String(s.size).padStart(10)} ${date} ${name}${target}\n`;
}

function run(sub: string, fs: Mhfs, args: string[]): number {
  const out = (s: string | Uint8Array) => process.stdout.write(s);
  switch (sub) {
    case 'ls': {
      const path = args[0] ?? '/';
      const id = fs.resolve(path, Follow.Yes);
      if (fs.vol.record(id).type !== NodeType.Directory) {
        out(lsLine(fs, fs.resolve(path, Follow.No), path));
        return 0;
      }
      const all = [];
      let cookie = 2; // skip . and ..
      for (;;) {
        const batch = fs.readdir(id, cookie, 256);
        if (!batch.length) break;
        all.push(...batch);
        cookie = batch[batch.length - 1]!.cookie;
      }
      for (const e of all.sort((a, b) => (a.name < b.name ? -1 : 1))) out(lsLine(fs, e.ino, e.name));
      return 0;
    }
    case 'cat':
      out(readFile(fs, need(args[0])));
      return 0;
    case 'stat': {
      const s = fs.stat(fs.resolve(need(args[0]), Follow.No));
      out(JSON.stringify({ ...s, mode: s.mode.toString(8) }, null, 2) + '\n');
      return 0;
    }
    case 'mkdir':
      mkdirp(fs, need(args[0]));
      return 0;
    case 'rm':
      remove(fs, need(args[0]));
      return 0;
    case 'put':
      writeFile(fs, need(args[1]), readFileSync(need(args[0])));
      return 0;
    case 'get':
      writeFileSync(need(args[1]), readFile(fs, need(args[0])));
      return 0;
    default:
      process.stderr.write(`usage: ${USAGE}\n`);
      return 2;
  }
}

function need(a: string | undefined): string {
  if (a === undefined) throw new UsageError();
  return a;
}

class UsageError extends Error {}

export const command: Command = {
  summary: 'List, read and write files in an MHFS image (ls, cat, stat, mkdir, rm, put, get).',
  usage: USAGE,
  async run(args) {
    const [sub, image, ...rest] = args;
    if (!sub || !image) {
      process.stderr.write(`usage: ${USAGE}\n`);
      return 2;
    }
    const writes = sub === 'mkdir' || sub === 'rm' || sub === 'put';
    try {
      const img = openImage(image, writes ? Access.ReadWrite : Access.ReadOnly);
      try {
        return run(sub, img.fs, rest);
      } finally {
        img.close();
      }
    } catch (e) {
      if (e instanceof UsageError) {
        process.stderr.write(`usage: ${USAGE}\n`);
        return 2;
      }
      if (e instanceof FsError) {
        process.stderr.write(`fs ${sub}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
