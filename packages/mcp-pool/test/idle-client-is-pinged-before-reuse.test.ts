import { describe, expect, it } from "vitest";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const resources = useManagers();

describe("a client idle longer than validateAfterIdleMs", () => {
  it("is pinged before it is lent again, and a frozen server's client is replaced", async () => {
    const manager = resources.manager({
      lab: labStdioEntry({ killTimeoutMs: 200, callTimeoutMs: 1_000, pool: { maxConnections: 1, validateAfterIdleMs: 100 } }),
    });
    await manager.callTool("lab__echo", { text: "before" });
    const [frozen] = descendantPids();
    expect(frozen).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 300)); // idle past the threshold
    process.kill(frozen!, "SIGSTOP"); // alive, but answers nothing: only a ping can tell
    try {
      const result = await manager.callTool("lab__echo", { text: "after" });
      expect(result.content[0]?.text).toBe("echo:after");
      const stats = manager.stats().servers[0]!;
      expect(stats.clientsCreated).toBe(2);
      await waitFor(() => !descendantPids().includes(frozen!), { timeoutMs: 5_000 });
    } finally {
      try {
        process.kill(frozen!, "SIGKILL");
      } catch {
        /* already ended by the pool */
      }
    }
  });

  it("is lent without a ping while it has been idle for less", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ pool: { maxConnections: 1, validateAfterIdleMs: 60_000 } }) });
    await manager.callTool("lab__echo", { text: "one" });
    const [child] = descendantPids();
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.kill(child!, "SIGSTOP");
    // No ping: the call goes straight to the frozen child and waits for it.
    const call = manager.callTool("lab__echo", { text: "two" }, { timeoutMs: 300 });
    await expect(call).rejects.toMatchObject({ code: "tool_timeout" });
    process.kill(child!, "SIGCONT");
  });
});
