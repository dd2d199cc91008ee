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
    autogroups: autogroups(),
  };
}

/**
 * Whether Linux scheduler autogroups apply to this process: enabled, and the
 * process in the root cpu cgroup (the kernel does not use them inside another,
 * as under a systemd unit with a CPU weight or in a container). Where they
 * apply, a child in a session of its own (as the pool starts MCP servers) is
 * scheduled as a group of its own.
 */
function autogroups() {
  try {
    const enabled = readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1";
    // cgroup v1 names the cpu controller ("4:cpu,cpuacct:/x"); v2 has one line "0::/x".
    const lines = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
    const cpuLine = lines.find((line) => /^\d+:[^:]*\bcpu\b[^:]*:/.test(line)) ?? lines.find((line) => line.startsWith("0::"));
    const cgroup = cpuLine?.slice(cpuLine.indexOf(":", cpuLine.indexOf(":") + 1) + 1) ?? "unknown";
    return { enabled, cpuCgroup: cgroup, apply: enabled && cgroup === "/" };
  } catch {
    return { enabled: false, cpuCgroup: "unknown", apply: false };
  }
}
