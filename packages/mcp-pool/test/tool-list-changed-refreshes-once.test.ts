import { describe, expect, it } from "vitest";
import type { PooledMCPServerManager } from "../src/index.js";
import { useManagers } from "./helpers/manager.js";
import { labStats, labStdioEntry, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { waitFor } from "@mcp-pool/test-support/processes";

const resources = useManagers();

const listToolsServed = async (m: PooledMCPServerManager) => Number((await m.callTool("lab__list_tools_count", {})).content[0]!.text);

describe("the shared tool catalog", () => {
  it("is fetched once for all sessions", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ pool: { maxConnections: 1 } }) });
    const listings = await Promise.all(Array.from({ length: 20 }, () => manager.listTools()));
    expect(new Set(listings.map((l) => l.tools.length)).size).toBe(1);
    await Promise.all(Array.from({ length: 20 }, (_, i) => manager.callTool("lab__echo", { text: `${i}` }, { sessionId: `s${i}` })));
    expect(await listToolsServed(manager)).toBe(1);
    expect(manager.stats().servers[0]!.catalogVersion).toBe(1);
  });

  it("refreshes exactly once per tools/list_changed, and every session sees the new tool", async () => {
    const http = await resources.fixture(startLabHttp());
    // growAfterWaitMs 0: a client per waiter at once (no growth trial), so the six calls open three clients
    const manager = resources.manager({
      lab: { url: http.url, pool: { maxConnections: 3, maxCallsPerConnection: 1, growAfterWaitMs: 0 } },
    });
    // three pooled clients, each with its notification stream open
    await Promise.all(Array.from({ length: 6 }, () => manager.callTool("lab__slow_read", { ms: 100 })));
    await waitFor(async () => (await labStats(http)).streamsOpen >= 3, { timeoutMs: 5_000 });
    const servedBefore = await listToolsServed(manager);
    const versionBefore = manager.stats().servers[0]!.catalogVersion;

    await manager.callTool("lab__add_tool", { name: "brand_new" });
    await waitFor(() => manager.stats().servers[0]!.catalogVersion === versionBefore + 1, { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for any extra refresh to show up
    expect(manager.stats().servers[0]!.catalogVersion).toBe(versionBefore + 1);
    expect((await listToolsServed(manager)) - servedBefore).toBe(1);

    for (const session of ["alice", "bob"]) {
      const result = await manager.callTool("lab__brand_new", { text: session }, { sessionId: session });
      expect(result.content[0]?.text).toBe(`brand_new:${session}`);
    }
    expect((await manager.listTools()).tools.map((t) => t.name)).toContain("lab__brand_new");
  });
});
