// Standard streams and text I/O for TypeScript programs.

import { STDERR, STDIN, STDOUT } from '../../abi/flags.js';
import { decodeUtf8, encodeUtf8 } from '../../abi/utf8.js';
import { read, write } from './fs.js';
import { concatBytes } from '../../abi/bytes.js';

export { STDIN, STDOUT, STDERR };

export function print(...parts: unknown[]): void {
  write(STDOUT, parts.map(String).join(' '));
}

export function println(...parts: unknown[]): void {
  write(STDOUT, parts.map(String).join(' ') + '\n');
}

export function eprintln(...parts: unknown[]): void {
  write(STDERR, parts.map(String).join(' ') + '\n');
}

/** Reads lines from a descriptor, buffering what follows the last newline. */
export class LineReader {
  private buf = new Uint8Array(64 * 1024);
  private pending: number[] = [];
  private eof = false;
  private chunk = new Uint8Array(0);
  private pos = 0;
  constructor(private readonly fd: number = STDIN) {}

  /** The next line without its newline, or null at end of input. */
  readLine(): string | null {
    for (;;) {
      while (this.pos < this.chunk.length) {
        const c = this.chunk[this.pos++]!;
        if (c === 0x0a) {
          const line = decodeUtf8(Uint8Array.from(this.pending), false)!;
          this.pending = [];
          return line;
        }
        this.pending.push(c);
      }
      if (this.eof) {
        if (this.pending.length === 0) return null;
        const line = decodeUtf8(Uint8Array.from(this.pending), false)!;
        this.pending = [];
        return line;
      }
      const n = read(this.fd, this.buf);
      if (n === 0) this.eof = true;
      this.chunk = this.buf.subarray(0, n);
      this.pos = 0;
    }
  }

  *lines(): Generator<string> {
    for (let l = this.readLine(); l !== null; l = this.readLine()) yield l;
  }
}

/** Collects output and writes it in large pieces: for programs that print a lot. */
export class BufferedWriter {
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly fd: number = STDOUT, private readonly limit = 64 * 1024) {}
  write(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? encodeUtf8(s) : s;
    this.parts.push(b);
    this.size += b.length;
    if (this.size >= this.limit) this.flush();
  }
  flush(): void {
    if (this.size === 0) return;
    const all = concatBytes(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    write(this.fd, all);
  }
}
