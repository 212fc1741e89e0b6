// rand: reads give random bytes from the host's entropy source (a CSPRNG).

import { S } from '../../abi/flags.js';
import { EVENT_READ } from '../../abi/scheme.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { Scheme, type Opened } from '../scheme.js';
import type { WaitQueue } from '../waitqueue.js';

export class RandScheme extends Scheme {
  readonly name = 'rand';
  constructor(private readonly fill: (dst: Uint8Array) => void) {
    super();
  }
  override open(): Opened {
    return { handle: 0, stream: true };
  }
  override read(_h: number, dst: Uint8Array): number {
    this.fill(dst);
    return dst.length;
  }
  override fstat(): Stat {
    return { ...emptyStat(), mode: S.IFCHR | 0o444, rdev: 0x108 };
  }
  override poll(): { ready: number; queue: WaitQueue | null } {
    return { ready: EVENT_READ, queue: null };
  }
}
