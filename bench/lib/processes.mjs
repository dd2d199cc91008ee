/**
 * Every process the bench starts is registered here and ended by pid: on a
 * normal stop, on failure, and on SIGINT/SIGTERM. A process's descendants are
 * read before it is stopped, so children it leaves behind are ended too.
 */

import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { descendantsOf } from "./proc-tree.mjs";

const running = new Set();

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitGone(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

/** Starts a process and registers it; `stop()` ends it and what it left behind. */
export function startProcess(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  const exited = once(child, "exit").then(([code, signal]) => ({ code, signal }));
  const handle = {
    child,
    pid: child.pid,
    exited,
    /** SIGTERM, then SIGKILL after `graceMs`; then any descendant still alive. */
    async stop(graceMs = 10_000) {
      const descendants = descendantsOf(child.pid);
      if (child.exitCode === null && child.signalCode === null) {
        kill(child.pid, "SIGTERM");
        const left = await waitGone([child.pid], graceMs);
        if (left.length > 0) kill(child.pid, "SIGKILL");
        await exited;
      }
      const orphans = await waitGone(descendants, 3_000);
      for (const pid of orphans) kill(pid, "SIGKILL");
      await waitGone(orphans, 3_000);
      running.delete(handle);
      return { orphansKilled: orphans.length };
    },
  };
  running.add(handle);
  return handle;
}

/** Ends every registered process (used on failure and on signals). */
export async function stopAll() {
  await Promise.all([...running].map((handle) => handle.stop(2_000)));
}

/** Ctrl-C or SIGTERM ends what the bench started before it exits. */
export function stopAllOnSignals() {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping ${running.size} process(es)\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** Resolves with the first match of `pattern` in the process's stdout lines; rejects if it exits or times out first. */
export async function waitForLine(handle, pattern, timeoutMs = 30_000) {
  const lines = createInterface({ input: handle.child.stdout });
  const timeout = setTimeout(() => lines.close(), timeoutMs);
  try {
    for await (const line of lines) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    throw new Error(`${handle.child.spawnfile} printed no line matching ${pattern} (exit code ${handle.child.exitCode})`);
  } finally {
    clearTimeout(timeout);
    // Keep reading so that a chatty process never blocks on a full pipe.
    handle.child.stdout.resume();
  }
}
