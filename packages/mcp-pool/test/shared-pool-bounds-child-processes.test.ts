import { describe, expect, it } from "vitest";
import { useManagers } from "./helpers/manager.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const resources = useManagers();

describe("a shared pool", () => {
  it("serves 200 concurrent sessions with at most maxConnections child processes, each its own result", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ pool: { maxConnections: 3, maxCallsPerConnection: 8 } }) });
    let maxChildren = 0;
    const sampler = setInterval(() => (maxChildren = Math.max(maxChildren, descendantPids().length)), 5);
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          manager.callTool("lab__slow_read", { ms: 5, text: `user-${i}` }, { sessionId: `session-${i}` }),
        ),
      );
      for (const [i, result] of results.entries()) expect(result.content[0]?.text).toBe(`slow:user-${i}`);
    } finally {
      clearInterval(sampler);
    }
    maxChildren = Math.max(maxChildren, descendantPids().length);
    expect(maxChildren).toBeGreaterThan(0);
    expect(maxChildren).toBeLessThanOrEqual(3);
    const [lab] = manager.stats().servers;
    expect(lab).toMatchObject({ callsOk: 200, callsInFlight: 0, waiting: 0 });
    expect(lab!.clientsCreated).toBeLessThanOrEqual(3);
  });

  it("opens no connection before the first call that needs one", async () => {
    const manager = resources.manager({ lab: labStdioEntry() });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(descendantPids()).toEqual([]);
    expect(manager.stats().servers[0]).toMatchObject({ clientsOpen: 0, clientsCreated: 0 });
    await manager.callTool("lab__echo", { text: "hi" });
    expect(descendantPids()).toHaveLength(1);
  });

  it("closes idle clients after idleTimeoutMs and reopens on the next call", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ pool: { idleTimeoutMs: 300 } }) });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(event.reason));
    await manager.callTool("lab__echo", { text: "one" });
    await waitFor(() => manager.stats().servers[0]!.clientsOpen === 0, { timeoutMs: 5_000 });
    await waitFor(() => descendantPids().length === 0, { timeoutMs: 5_000 });
    await waitFor(() => destroyed.length === 1, { timeoutMs: 5_000 });
    expect(destroyed).toEqual(["idle"]);
    const again = await manager.callTool("lab__echo", { text: "two" });
    expect(again.content[0]?.text).toBe("echo:two");
  });

  it("keeps minConnections warm after warmUp()", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ pool: { minConnections: 2, maxConnections: 3 } }) });
    await manager.warmUp();
    await waitFor(() => manager.stats().servers[0]!.clientsOpen === 2, { timeoutMs: 10_000 });
    expect(descendantPids()).toHaveLength(2);
  });
});
