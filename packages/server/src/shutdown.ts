/**
 * SIGTERM / SIGINT / SIGHUP: close the server gracefully once, then exit 0. A
 * second signal while closing exits at once (1), for an operator who will not
 * wait. SIGHUP (the terminal that started it closed) would otherwise end node
 * at once, and MCP children in process groups of their own would outlive it.
 * A server whose launcher died (see closeWhenLauncherExits) closes the same way.
 */

import { readFileSync } from "node:fs";
import type { Logger } from "pino";

export function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals | "launcher exited") => {
    if (closing) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, "closing on signal");
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", onSignal);
  closeWhenLauncherExits(() => onSignal("launcher exited"));
}

/**
 * `npx pnpm start` runs npm → sh → pnpm → node; a SIGTERM to npm reaches the
 * shell only, and pnpm and node are left running, re-parented. So the server
 * remembers the chain of processes above it and closes gracefully (within a
 * second) once any of them has exited. Where there is no /proc, only the
 * parent is watched.
 */
function closeWhenLauncherExits(close: () => void): void {
  const chain = ancestors();
  const intact = () => process.ppid === chain[0] && chain.every((pid, i) => i === chain.length - 1 || parentOf(pid) === chain[i + 1]);
  const timer = setInterval(() => {
    if (!intact()) {
      clearInterval(timer);
      close();
    }
  }, 1000);
  timer.unref();
}

/** This process's parent, its parent, ... up to (not past) pid 1 or the first one /proc does not show. */
function ancestors(): number[] {
  const chain = [process.ppid];
  for (let parent = parentOf(process.ppid); parent !== undefined && parent > 0 && chain.length < 64; parent = parentOf(parent)) {
    chain.push(parent);
    if (parent === 1) break;
  }
  return chain;
}

/** The parent of `pid` from /proc (Linux); undefined when it is gone or there is no /proc. */
function parentOf(pid: number): number | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}
