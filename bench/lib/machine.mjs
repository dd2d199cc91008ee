/** The machine a run was made on, as docs/benchmarks.md reports it. */

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

export function describeMachine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const memTotalKiB = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  return {
    cpu: model,
    cores,
    memTotalGiB: Math.round((memTotalKiB / 1024 / 1024) * 10) / 10,
    node: process.version,
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    fdLimit: /Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? "unknown",
  };
}
