/**
 * untilListening(child): reads a child's JSON log lines from its stdout (other lines are skipped) and
 * resolves with `{ url, logs }` once it logs `{"msg": "listening", "url": ...}`; rejects if it exits
 * first. `logs` keeps collecting every line the child writes later.
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export type LogLine = Record<string, unknown>;

export function untilListening(child: ChildProcess): Promise<{ url: string; logs: LogLine[] }> {
  const stdout = child.stdout;
  if (!stdout) throw new Error("the child was started without a stdout pipe");
  const logs: LogLine[] = [];
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`the process exited (${signal ?? code}) before logging "listening"`));
    child.once("exit", onExit);
    createInterface({ input: stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as LogLine;
      logs.push(entry);
      if (entry.msg === "listening" && typeof entry.url === "string") {
        child.off("exit", onExit);
        resolve({ url: entry.url, logs });
      }
    });
  });
}
