// null: reads give end of file, writes vanish.

import { S } from '../../abi/flags.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
import { Scheme, type Opened } from '../scheme.js';
import type { WaitQueue } from '../waitqueue.js';

export class NullScheme extends Scheme {
  readonly name = 'null';
  override open(): Opened {
    return { handle: 0, stream: true };
  }
  override read(): number {
    return 0;
  }
  override write(_h: number, src: Uint8Array): number {
    return src.length;
  }
  override fstat(): Stat {
    return { ...emptyStat(), mode: S.IFCHR | 0o666, rdev: 0x103 };
  }
  override poll(): { ready: number; queue: WaitQueue | null } {
    return { ready: EVENT_READ | EVENT_WRITE, queue: null };
  }
}
