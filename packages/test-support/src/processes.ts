/**
 * Processes, for tests that start MCP servers and must prove none is left behind.
 *   descendantPids(rootPid = process.pid)  live descendants (children, grandchildren, ...), read from /proc
 *   markedProcesses(marker)                live processes whose command line holds `marker`, with their parent
 *                                          (parent 1, or a subreaper's pid, once the one that started them is gone)
 *   uniqueMarker(label)                    a word no other process's command line holds
 *   isAlive(pid)                           the process exists and is not a zombie
 *   killAndWait(pid, signal, timeoutMs)    end it: `signal`, then SIGKILL if still alive after timeoutMs
 *   waitFor(predicate, { timeoutMs, intervalMs })  poll until predicate gives a truthy value; returns it
 */
import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
}

/** Reads /proc/<pid>/stat; undefined when the process is gone. */
function readStat(pid: number): ProcStat | undefined {
  let line: string;
  try {
    line = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const [state = "", ppid = "0"] = line.slice(line.lastIndexOf(")") + 2).split(" ");
  return { pid, ppid: Number(ppid), state };
}

/** Every live (non-zombie) descendant of rootPid, nearest first. */
export function descendantPids(rootPid: number = process.pid): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat || stat.state === "Z") continue;
    childrenOf.set(stat.ppid, [...(childrenOf.get(stat.ppid) ?? []), stat.pid]);
  }
  const found: number[] = [];
  const queue = [rootPid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    const children = childrenOf.get(parent) ?? [];
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

export interface MarkedProcess {
  pid: number;
  ppid: number;
  cmdline: string;
}

/** Every live (non-zombie) process whose command line holds `marker`, in this machine's pid namespace. */
export function markedProcesses(marker: string): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (!cmdline.includes(marker)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== "Z") found.push({ pid: stat.pid, ppid: stat.ppid, cmdline: cmdline.trim() });
  }
  return found;
}

let markers = 0;

/** A word for a child's command line that no other process has: the test's pid, a counter and a random part. */
export function uniqueMarker(label: string): string {
  markers += 1;
  return `${label}-${process.pid}-${markers}-${Math.random().toString(36).slice(2, 10)}`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A zombie has exited; it only waits for its parent to reap it.
  return readStat(pid)?.state !== "Z";
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error, e.g. "the child to exit". */
  what?: string;
}

/**
 * Polls predicate until it returns a truthy value and resolves with that value. A predicate that throws
 * counts as "not yet"; its last error is named if the wait times out.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 25, what = "the condition" }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`waited ${timeoutMs} ms for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Ends pid: sends `signal`, and SIGKILL if it is still alive after timeoutMs. Resolves once it is gone,
 * true if `signal` alone ended it. A pid already gone resolves true at once.
 */
export async function killAndWait(pid: number, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 5_000): Promise<boolean> {
  if (!sendSignal(pid, signal)) return true;
  try {
    await waitFor(() => !isAlive(pid), { timeoutMs, what: `pid ${pid} to exit on ${signal}` });
    return true;
  } catch {
    sendSignal(pid, "SIGKILL");
    await waitFor(() => !isAlive(pid), { timeoutMs, what: `pid ${pid} to exit on SIGKILL` });
    return false;
  }
}

/** False when the process no longer exists. */
function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}
