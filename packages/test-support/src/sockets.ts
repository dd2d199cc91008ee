/**
 * TCP sockets, for tests that must prove an HTTP client left no connection open.
 *   openSocketsTo(port, pid = process.pid)   the process's TCP connections (any state but LISTEN/CLOSE)
 *                                             whose remote port is `port`, read from /proc
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const LISTEN = "0A";
const CLOSE = "07";
const TIME_WAIT = "06";

/** Socket inodes the process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** How many TCP connections the process has open to `port` (IPv4 and IPv6). */
export function openSocketsTo(port: number, pid: number = process.pid): number {
  const inodes = socketInodes(pid);
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[];
    try {
      lines = readFileSync(table, "utf8").trim().split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const remotePort = Number.parseInt(fields[2]?.split(":")[1] ?? "", 16);
      const state = fields[3];
      if (remotePort !== port || state === LISTEN || state === CLOSE || state === TIME_WAIT) continue;
      if (inodes.has(fields[9] ?? "")) count += 1;
    }
  }
  return count;
}
