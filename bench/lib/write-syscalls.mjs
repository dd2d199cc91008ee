/**
 * A process's write syscalls so far (`syscw` in /proc/<pid>/io, Linux; this
 * process by default): how many writes a number of calls cost shows whether
 * messages leave one by one or batched. NaN where the file cannot be read.
 */

import { readFileSync } from "node:fs";

export function writeSyscalls(pid = "self") {
  try {
    const match = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
