/**
 * Samples a process tree's memory and child count on an interval and keeps
 * the peaks, so a short burst of MCP children is not missed between readings.
 */

import { treeMemory } from "./proc-tree.mjs";

export class TreeSampler {
  #timer;
  #peak = { totalKiB: 0, rootKiB: 0, children: 0 };

  constructor(pid, intervalMs = 200) {
    this.pid = pid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one reading now and returns it. */
  sample() {
    const now = treeMemory(this.pid);
    this.#peak = {
      totalKiB: Math.max(this.#peak.totalKiB, now.totalKiB),
      rootKiB: Math.max(this.#peak.rootKiB, now.rootKiB),
      children: Math.max(this.#peak.children, now.children),
    };
    return now;
  }

  /** Stops sampling; returns the peaks seen. */
  stop() {
    clearInterval(this.#timer);
    this.sample();
    return { ...this.#peak };
  }
}
