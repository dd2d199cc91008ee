/**
 * The MCP servers' child processes this process owns, from spawn to
 * confirmed exit. Each runs in a process group of its own (spawned detached),
 * so ending it ends whatever it started too (`npx` starts npm, which starts
 * node): signals go to the group. Should this process exit while some are
 * alive (a forced exit on a second SIGTERM, an uncaught error), they are
 * killed on the way out: no server is left running with parent 1.
 */

/** Process groups exist on POSIX; on Windows a signal reaches the one process. */
export const OWN_PROCESS_GROUP = process.platform !== "win32";

const owned = new Set<number>();
let exitHooked = false;

/** The child is ours until disown(); killed with us if we exit first. */
export function own(pid: number): void {
  owned.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  // Only synchronous work is possible in an exit handler: SIGKILL, which nothing can ignore.
  process.on("exit", () => {
    for (const each of owned) signalChild(each, "SIGKILL");
  });
}

/** Its exit (and its group's) is confirmed. */
export function disown(pid: number): void {
  owned.delete(pid);
}

/** Sends the signal to the child and its process group; false when none of them exists any more. */
export function signalChild(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(OWN_PROCESS_GROUP ? -pid : pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Waits (polling) until no process of the child's group is left, at most timeoutMs; true if none is. */
export async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; signalChild(pid, 0); wait = Math.min(wait * 2, 100)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return true;
}
