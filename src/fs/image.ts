// Disk images on the host: make one (a GPT disk with one MHFS partition, or a bare MHFS
// partition), open one (finding the MHFS partition through the GPT when there is one), and
// the image builder: pack a host directory tree, with owners and modes chosen by a callback or
// a manifest, into a fresh image, then apply configuration `[[files]]` entries. The cookbook
// calls `buildImage`.
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { FileBlockDevice, OpenMode, BLOCK_SIZE, type BlockDevice } from './blockdev.js';
import { fail, isFsError } from './errors.js';
import { NodeType } from './node.js';
import { defaultPartitionRange, hasGpt, MHFS_PARTITION_TYPE, openMhfsPartition, randomGuid, SECTOR, writeGpt } from './gpt.js';
import { Mhfs } from './mhfs.js';
import { mkdirp } from './paths.js';
import { Access, type FormatOptions } from './volume.js';

export enum ImageLayout {
  /** A GPT disk with one MHFS partition. */
  Disk,
  /** An MHFS partition alone. */
  Bare,
}

export interface MakeOptions extends FormatOptions {
  layout?: ImageLayout;
  diskGuid?: string;
  partitionGuid?: string;
  partitionName?: string;
}

/** Parses sizes like 64M, 1G, 512K, 4096 (bytes); rounds down to whole blocks. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?$/i.exec(s.trim());
  if (!m) fail('EINVAL', `not a size: ${s} (use e.g. 64M or 1G)`);
  const mult = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.floor((Number(m[1]) * mult) / BLOCK_SIZE) * BLOCK_SIZE;
}

/** Lays out `disk` (GPT + MHFS, or bare MHFS) and returns the mounted filesystem. */
export function makeImage(disk: BlockDevice, opts: MakeOptions = {}): Mhfs {
  if ((opts.layout ?? ImageLayout.Disk) === ImageLayout.Bare) return Mhfs.format(disk, opts);
  const sectors = disk.blockCount * (BLOCK_SIZE / SECTOR);
  const range = defaultPartitionRange(sectors);
  writeGpt(disk, opts.diskGuid ?? randomGuid(), [
    { type: MHFS_PARTITION_TYPE, guid: opts.partitionGuid ?? randomGuid(), ...range, attributes: 0n, name: opts.partitionName ?? 'MHFS' },
  ]);
  return Mhfs.format(openMhfsPartition(disk), opts);
}

/** The MHFS inside a disk or bare image: the partition if the device has a GPT, else all of it. */
export function mhfsDevice(disk: BlockDevice): BlockDevice {
  return hasGpt(disk) ? openMhfsPartition(disk) : disk;
}

export interface OpenedImage {
  fs: Mhfs;
  /** Commits and closes the image file. */
  close(): void;
}

export function openImage(path: string, access: Access = Access.ReadWrite): OpenedImage {
  const disk = new FileBlockDevice(path, access === Access.ReadOnly ? OpenMode.ReadOnly : OpenMode.ReadWrite);
  try {
    const fs = Mhfs.mount(mhfsDevice(disk), access);
    return {
      fs,
      close() {
        try {
          fs.unmount();
        } finally {
          disk.close();
        }
      },
    };
  } catch (e) {
    disk.close();
    throw e;
  }
}

export interface Ownership {
  uid: number;
  gid: number;
  mode: number; // permission bits
}

/** Owner and mode for a packed path ("/etc/passwd"), given the host's lstat; undefined keeps
 *  the default (root:root and the host's permission bits). */
export type OwnershipFn = (path: string, host: Stats) => Partial<Ownership> | undefined;
/** The same as a table: path -> owner and mode. */
export type Manifest = Record<string, Partial<Ownership>>;

export interface PackOptions {
  /** Where in the image the tree goes (default "/"). */
  target?: string;
  owner?: OwnershipFn;
  manifest?: Manifest;
}

export interface PackStats {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
}

/** Packs the host tree at `hostDir` into `fs` under `opts.target`. */
export function packDirectory(fs: Mhfs, hostDir: string, opts: PackOptions = {}): PackStats {
  const stats: PackStats = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const target = '/' + (opts.target ?? '/').split('/').filter(Boolean).join('/');
  const ownerOf = (path: string, st: Stats): Ownership => {
    const o = { ...opts.owner?.(path, st), ...opts.manifest?.[path] };
    return { uid: o.uid ?? 0, gid: o.gid ?? 0, mode: (o.mode ?? st.mode) & 0o7777 };
  };
  const top = mkdirp(fs, target);
  const topOwn = ownerOf(target, lstatSync(hostDir));
  fs.chown(top, topOwn.uid, topOwn.gid);
  fs.chmod(top, topOwn.mode);
  const walk = (hostPath: string, dirId: number, imagePath: string): void => {
    for (const name of readdirSync(hostPath).sort()) {
      const h = join(hostPath, name);
      const p = imagePath === '/' ? `/${name}` : `${imagePath}/${name}`;
      const st = lstatSync(h);
      const own = ownerOf(p, st);
      // Made as root (no permission checks), then given their owner.
      if (st.isDirectory()) {
        const id = fs.mkdir(dirId, name, 0o755);
        fs.chown(id, own.uid, own.gid);
        stats.directories++;
        walk(h, id, p);
        fs.chmod(id, own.mode); // after filling, so a read-only directory can still be packed
      } else if (st.isSymbolicLink()) {
        const id = fs.symlink(dirId, name, readlinkSync(h));
        fs.chown(id, own.uid, own.gid);
        stats.symlinks++;
      } else if (st.isFile()) {
        const id = fs.create(dirId, name, own.mode);
        fs.chown(id, own.uid, own.gid);
        const data = readFileSync(h);
        let done = 0;
        while (done < data.length) done += fs.write(id, done, data.subarray(done, done + (1 << 20)));
        fs.chmod(id, own.mode);
        stats.files++;
        stats.bytes += data.length;
      }
      // Sockets, fifos and devices have no place in an MHFS image; they are skipped.
    }
  };
  walk(hostDir, top, target);
  return stats;
}

/** One `[[files]]` entry of an image configuration (Redox's form): a file with `data`, a
 *  `symlink`, or a `directory`, with optional mode and owner. Parents are made as needed. */
export interface FileEntry {
  path: string;
  data?: string | Uint8Array;
  symlink?: string;
  directory?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Applies configuration file entries in order (later ones replace earlier files). */
export function applyFileEntries(fs: Mhfs, entries: FileEntry[]): void {
  for (const e of entries) {
    const path = '/' + e.path.split('/').filter(Boolean).join('/');
    if (path === '/') fail('EINVAL', 'a file entry needs a path below /');
    const slash = path.lastIndexOf('/');
    const dir = mkdirp(fs, path.slice(0, slash));
    const name = path.slice(slash + 1);
    let id: number;
    if (e.directory) {
      id = mkdirp(fs, path, e.mode ?? 0o755);
    } else {
      try {
        const old = fs.lookup(dir, name);
        if (fs.vol.record(old).type === NodeType.Directory) fail('EISDIR', `${path} is a directory`);
        fs.unlink(dir, name);
      } catch (err) {
        if (!isFsError(err, 'ENOENT')) throw err;
      }
      if (e.symlink !== undefined) id = fs.symlink(dir, name, e.symlink);
      else {
        id = fs.create(dir, name, e.mode ?? 0o644);
        const data = typeof e.data === 'string' ? new TextEncoder().encode(e.data) : (e.data ?? new Uint8Array(0));
        let done = 0;
        while (done < data.length) done += fs.write(id, done, data.subarray(done, done + (1 << 20)));
      }
    }
    if (e.mode !== undefined && e.symlink === undefined) fs.chmod(id, e.mode);
    if (e.uid !== undefined || e.gid !== undefined) fs.chown(id, e.uid ?? -1, e.gid ?? -1);
  }
}

export interface BuildOptions extends MakeOptions, PackOptions {
  /** Configuration entries applied after the tree is packed. */
  files?: FileEntry[];
}

/** Makes a fresh image file of `size` bytes holding the tree at `hostDir`. */
export function buildImage(imagePath: string, size: number, hostDir: string, opts: BuildOptions = {}): PackStats {
  const disk = FileBlockDevice.create(imagePath, Math.floor(size / BLOCK_SIZE));
  try {
    const fs = makeImage(disk, opts);
    const stats = packDirectory(fs, hostDir, opts);
    if (opts.files) applyFileEntries(fs, opts.files);
    fs.unmount();
    return stats;
  } finally {
    disk.close();
  }
}
