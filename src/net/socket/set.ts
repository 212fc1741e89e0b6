// The set of sockets an interface serves, with small-integer handles (like file
// descriptors in a scheme daemon) and the ephemeral port allocator. Children of listeners
// join the set when their SYN arrives and leave it by themselves if they die before being
// accepted; every other socket stays until its owner removes it.
import { EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST } from '../params.js';
import { TcpSocket, TcpState } from './tcp.js';
import { UdpSocket } from './udp.js';
import { IcmpSocket } from './icmp.js';

export type AnySocket = TcpSocket | UdpSocket | IcmpSocket;

export class SocketSet {
  readonly tcp: TcpSocket[] = [];
  readonly udp: UdpSocket[] = [];
  readonly icmp: IcmpSocket[] = [];
  private readonly byHandle = new Map<number, AnySocket>();
  private nextHandle = 1;
  private nextPort = EPHEMERAL_PORT_FIRST;

  add<T extends AnySocket>(s: T): T {
    if (s.handle >= 0 && this.byHandle.get(s.handle) === s) return s;
    s.handle = this.nextHandle++;
    this.byHandle.set(s.handle, s);
    if (s instanceof TcpSocket) this.tcp.push(s);
    else if (s instanceof UdpSocket) this.udp.push(s);
    else this.icmp.push(s);
    return s;
  }

  get(handle: number): AnySocket | undefined {
    return this.byHandle.get(handle);
  }

  remove(s: AnySocket): void {
    if (this.byHandle.get(s.handle) !== s) return;
    this.byHandle.delete(s.handle);
    const list: AnySocket[] = s instanceof TcpSocket ? this.tcp : s instanceof UdpSocket ? this.udp : this.icmp;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    s.handle = -1;
  }

  get size(): number {
    return this.byHandle.size;
  }

  /** Removes children that died before anyone accepted them. */
  sweep(): void {
    for (let i = this.tcp.length - 1; i >= 0; i--) {
      const s = this.tcp[i]!;
      if (s.parent && s.state === TcpState.Closed && !s.rstPending) {
        s.parent.pruneBacklog();
        this.remove(s);
      }
    }
  }

  /** A local port no TCP or UDP socket of this set uses. */
  ephemeralPort(): number {
    const span = EPHEMERAL_PORT_LAST - EPHEMERAL_PORT_FIRST + 1;
    for (let k = 0; k < span; k++) {
      const p = this.nextPort;
      this.nextPort = p === EPHEMERAL_PORT_LAST ? EPHEMERAL_PORT_FIRST : p + 1;
      if (!this.tcp.some((s) => s.localPort === p) && !this.udp.some((s) => s.localPort === p)) return p;
    }
    return 0;
  }
}
