/** The client's address as limits and logs name it. */

import type { Socket } from "node:net";

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack listener) is `10.0.0.1`; a socket already gone is "unknown". */
export function remoteAddressOf(socket: Socket): string {
  const address = socket.remoteAddress;
  return address === undefined ? "unknown" : unmapped(address);
}

/** `::ffff:10.0.0.1` is `10.0.0.1`. */
export function unmapped(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
