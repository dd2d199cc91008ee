/**
 * The deployable entry (dist/main.js) as a child process, for tests that measure the server's own
 * memory or signal it:
 *   startServerProcess(env)   starts it with LOG_LEVEL info (unless given) and resolves once it logs
 *                             "listening": {child, pid, url, logs (its JSON log lines so far), stderr(), stop()}
 *   rssMiB(pid)               the process's resident memory now (VmRSS from /proc), in MiB
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { untilListening } from "@mcp-pool/test-support/json-log";
import { isAlive, killAndWait } from "@mcp-pool/test-support/processes";

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Every JSON log line the server has written so far, in order. */
  logs: Record<string, unknown>[];
  /** Everything it has written to stderr so far (what main prints at start, a crash). */
  stderr(): string;
  /** SIGKILL if still running (tests that want a graceful exit send SIGTERM themselves first). */
  stop(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string>, nodeFlags: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeFlags, MAIN], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const { url, logs } = await untilListening(child);
  const pid = child.pid!;
  return {
    child,
    pid,
    url,
    logs,
    stderr: () => stderr,
    stop: async () => {
      if (isAlive(pid)) await killAndWait(pid, "SIGKILL", 2000);
    },
  };
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`);
  return kb / 1024;
}
