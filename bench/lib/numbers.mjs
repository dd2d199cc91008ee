/** What the interleaved A/B sections share: CPU time of a process, medians and rounding. */

import { readFileSync } from "node:fs";

/** utime + stime of one process, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const round1 = (value) => Math.round(value * 10) / 10;
export const round3 = (value) => Math.round(value * 1000) / 1000;
export const minMax = (values) => [round3(Math.min(...values)), round3(Math.max(...values))];
