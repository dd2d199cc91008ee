/**
 * Where the overhead bench runs its processes. Its variants are this process
 * and a child each (the pool's, a bare client's): left to the scheduler, which
 * core each child shares with whom differs from child to child and run to run,
 * and on 2 cores that alone moved a ratio by more than the 5% it is meant to
 * show. Pinned, every variant has the same placement: this process (all its
 * threads) on the first core, every MCP child on the second (Linux's
 * taskset(1); where it or a second core is missing, nothing is pinned).
 */

import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

const TASKSET = "/usr/bin/taskset";

function tasksetWorks() {
  if (process.platform !== "linux" || availableParallelism() < 2) return false;
  try {
    execFileSync(TASKSET, ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const PINNED = tasksetWorks();

/** Runs `fn` with this process on core 0; the cores it had before are restored after. */
export async function withBenchPinned(fn) {
  if (!PINNED) return fn();
  const before = execFileSync(TASKSET, ["-p", "-c", String(process.pid)], { encoding: "utf8" })
    .split(":")
    .at(-1)
    .trim();
  execFileSync(TASKSET, ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  try {
    return await fn();
  } finally {
    execFileSync(TASKSET, ["-a", "-p", "-c", before, String(process.pid)], { stdio: "ignore" });
  }
}

/** `command` (an argv array) run on core 1 when pinning. */
export function onChildCore(command) {
  return PINNED ? [TASKSET, "-c", "1", ...command] : command;
}
