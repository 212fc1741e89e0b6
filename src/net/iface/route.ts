// The routing table: longest-prefix match over routes, each either on-link (the
// destination is its own next hop) or via a gateway. Routes for the interface's own
// subnets are on-link without being listed.
import { Ipv4Cidr, type Ipv4Address } from '../wire/address.js';

export interface Route {
  cidr: Ipv4Cidr;
  /** Next hop, or null for on-link. */
  via: Ipv4Address | null;
}

export class RouteTable {
  readonly routes: Route[] = [];

  add(cidr: Ipv4Cidr, via: Ipv4Address | null = null): void {
    this.remove(cidr);
    this.routes.push({ cidr, via });
    // Longest prefix first, so lookup takes the first match.
    this.routes.sort((a, b) => b.cidr.prefixLen - a.cidr.prefixLen);
  }

  addDefault(via: Ipv4Address): void {
    this.add(new Ipv4Cidr(0, 0), via);
  }

  remove(cidr: Ipv4Cidr): boolean {
    const i = this.routes.findIndex((r) => r.cidr.network === cidr.network && r.cidr.prefixLen === cidr.prefixLen);
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  /** The matching route, or null when there is none. */
  lookup(dst: Ipv4Address): Route | null {
    for (const r of this.routes) if (r.cidr.contains(dst)) return r;
    return null;
  }
}
