/**
 * Which address a request's client has, for per-address limits and logs: the TCP peer, unless the
 * peer is a proxy listed in TRUST_PROXY. Then it is the rightmost X-Forwarded-For hop that is not a
 * trusted proxy: each trusted proxy appended the address it saw, while hops left of the first
 * untrusted one were written by the client and could say anything.
 */

import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import { remoteAddressOf, unmapped } from "./remote-address.js";

/** `["10.0.0.5", "10.1.0.0/16", "::1"]` → the addresses they cover; throws naming the first entry that is neither an address nor a CIDR. */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", bits, extra] = entry.split("/");
    const family = isIP(address);
    const maxBits = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits))) {
      throw new Error(`"${entry}" is not an IP address or CIDR (e.g. 10.0.0.5, 10.0.0.0/8, ::1)`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export class ClientAddresses {
  readonly #trusted: BlockList | undefined;

  /** `trusted` undefined or empty: every client is its TCP peer (X-Forwarded-For is ignored). */
  constructor(trusted: BlockList | undefined) {
    this.#trusted = trusted;
  }

  /** True when the connection comes from a trusted proxy (it carries many clients). */
  fromTrustedProxy(peerAddress: string): boolean {
    return this.#isTrusted(peerAddress);
  }

  /** The client's address for `request`. */
  of(request: IncomingMessage): string {
    const peer = remoteAddressOf(request.socket);
    if (!this.#isTrusted(peer)) return peer;
    const header = request.headers["x-forwarded-for"] ?? "";
    const hops = (Array.isArray(header) ? header.join(",") : header)
      .split(",")
      .map((hop) => unmapped(hop.trim()))
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // A trusted proxy writes addresses: anything else means a misconfigured proxy; count it as the proxy.
      if (isIP(hop) === 0) return peer;
      if (!this.#isTrusted(hop)) return hop;
    }
    // Only proxies (or no header): the leftmost hop is as far as anyone vouches for.
    return hops[0] ?? peer;
  }

  #isTrusted(address: string): boolean {
    const family = isIP(address);
    return this.#trusted !== undefined && family !== 0 && this.#trusted.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}
