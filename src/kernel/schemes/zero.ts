// zero: reads give zero bytes, writes vanish.

import { S } from '../../abi/flags.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { Scheme, type Opened } from '../scheme.js';
import type { WaitQueue } from '../waitqueue.js';

export class ZeroScheme extends Scheme {
  readonly name = 'zero';
  override open(): Opened {
    return { handle: 0, stream: true };
  }
  override read(_h: number, dst: Uint8Array): number {
    dst.fill(0);
    return dst.length;
  }
  override write(_h: number, src: Uint8Array): number {
    return src.length;
  }
  override fstat(): Stat {
    return { ...emptyStat(), mode: S.IFCHR | 0o666, rdev: 0x105 };
  }
  override poll(): { ready: number; queue: WaitQueue | null } {
    return { ready: EVENT_READ | EVENT_WRITE, queue: null };
  }
}
