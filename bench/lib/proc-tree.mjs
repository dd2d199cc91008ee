/**
 * What a process and its descendants cost, read from /proc: the descendants
 * of a pid (the MCP child processes of the server) and their resident memory.
 */

import { readdirSync, readFileSync } from "node:fs";

/** pid → parent pid for every process visible in /proc. */
function parentMap() {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may hold spaces and parentheses: fields start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we read.
    }
  }
  return parents;
}

/** Every pid below `root` (children, grandchildren...). */
export function descendantsOf(root) {
  const children = new Map();
  for (const [pid, ppid] of parentMap()) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const found = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop();
    found.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** VmRSS of one process in KiB; 0 when it has gone. */
export function rssKiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The root's RSS, its descendants' count and RSS, and the sum, in KiB. */
export function treeMemory(root) {
  const children = descendantsOf(root);
  const rootKiB = rssKiB(root);
  const childrenKiB = children.reduce((sum, pid) => sum + rssKiB(pid), 0);
  return { rootKiB, children: children.length, childrenKiB, totalKiB: rootKiB + childrenKiB };
}

/** MemAvailable of the machine in KiB. */
export function memAvailableKiB() {
  const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
  return match ? Number(match[1]) : 0;
}
