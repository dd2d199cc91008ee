import { describe, expect, it } from "vitest";
import { useManagers } from "./helpers/manager.js";
import { labStats, labStdioEntry, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const resources = useManagers();

describe("sharing: per-session", () => {
  // 200 HTTP sessions opening at once take 20-40 s on a loaded 2-core machine, old pool core and new alike:
  // the waits get room for that (this test proves one client per session, not a latency).
  it("opens one client per session for 200 concurrent sessions, and releaseSession closes it", { timeout: 180_000 }, async () => {
    const http = await resources.fixture(startLabHttp());
    const manager = resources.manager({
      lab: { url: http.url, sharing: "per-session", connectTimeoutMs: 120_000, pool: { maxConnections: 256, acquireTimeoutMs: 120_000 } },
    });
    await manager.listTools(); // no session asks and none is open: read through a client of its own, closed once read
    const before = (await labStats(http)).sessionsOpened;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => manager.callTool("lab__whoami", {}, { sessionId: `s${i}` })));
    const connections = new Set(results.map((result) => JSON.parse(result.content[0]!.text!).connection));
    expect(connections.size).toBe(200);
    expect((await labStats(http)).sessionsOpened - before).toBe(200);
    expect(manager.stats().servers[0]!.sessionClients).toBe(200);

    await manager.releaseSession("s0");
    expect(manager.stats().servers[0]!.sessionClients).toBe(199);
    await waitFor(async () => (await labStats(http)).sessionsOpen <= 200, { timeoutMs: 5_000 });
  });

  it("keeps each session's server state apart, and a session sees its own state again", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ sharing: "per-session" }) });
    const count = async (sessionId: string) => Number((await manager.callTool("lab__increment", {}, { sessionId })).content[0]!.text);
    expect(await count("alice")).toBe(1);
    expect(await count("bob")).toBe(1);
    expect(await count("alice")).toBe(2);
    // one per session: the catalog was read through alice's client
    expect(manager.stats().servers[0]!.clientsCreated).toBe(2);
    await waitFor(() => descendantPids().length === 2, { timeoutMs: 5_000 });
    await manager.releaseSession("alice");
    await waitFor(() => descendantPids().length === 1, { timeoutMs: 5_000 });
    expect(await count("alice")).toBe(1);
  });
});
