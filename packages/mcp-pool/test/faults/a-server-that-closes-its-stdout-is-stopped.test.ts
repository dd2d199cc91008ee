// A stdio server that closes its stdout and keeps running can answer nothing more, yet no 'close' comes until it
// exits. The calls on it used to wait for their timeout and say "timed out"; now they fail as a lost connection
// soon after, the child is stopped (by pid: gone), the pool warns, and the next call gets a new child. No child is
// left and Node prints no warning.
import { faultEntry, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { describe, expect, it } from "vitest";
import { ConnectionLostError } from "../../src/index.js";
import { rejectionOf, serverStats, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
/** Short enough that on the old code the calls end by it (ToolCallTimeoutError) within the test's own timeout. */
const CALL_TIMEOUT_MS = 15_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a stdio server that closes its stdout and runs on", () => {
  it("is stopped: its calls fail as a lost connection, not by their timeout, and the next call gets a new child", async () => {
    const manager = use.manager({ quiet: faultEntry([], { callTimeoutMs: CALL_TIMEOUT_MS, pool: { maxConnections: 1 } }) });
    const poolWarnings: string[] = [];
    manager.on("warning", (event) => poolWarnings.push(event.message));
    expect(textOf(await manager.callTool("quiet__echo", { text: "before" }))).toBe("echo:before");
    const [pid] = descendantPids();
    expect(pid).toBeDefined();

    const inFlight = rejectionOf(manager.callTool("quiet__hang", {}, { sessionId: "a" }));
    const closing = rejectionOf(manager.callTool("quiet__close_stdout", {}, { sessionId: "b" }));
    const [hung, closed] = await Promise.all([inFlight, closing]);

    for (const error of [hung, closed]) {
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(error).toMatchObject({ code: "connection_lost", server: "quiet", mayHaveRun: true });
    }
    expect(poolWarnings.some((message) => message.includes("closed its stdout and kept running"))).toBe(true);
    await waitFor(() => !isAlive(pid as number), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: "the child that closed its stdout to be gone",
    });

    expect(textOf(await manager.callTool("quiet__echo", { text: "after" }))).toBe("echo:after");
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 2, clientsDestroyed: 1 });
    expect(descendantPids()).not.toContain(pid);

    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
