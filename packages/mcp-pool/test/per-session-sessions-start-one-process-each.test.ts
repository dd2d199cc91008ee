// A per-session server that announces tools/list_changed on each session's first call, as @playwright/mcp
// does (the lab server with --announce-tools-changed-on-first-call here; the real one in
// playwright-per-session-browsers), costs one process per session: N sessions start N, not 2N. The catalog is
// read through the first session's client and refreshed through the client that announced the change, and
// catalog work never shows as a waiter.
import { describe, expect, it } from "vitest";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { serverStats, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

describe("a per-session server announcing tools/list_changed on each session's first call", () => {
  it("starts one process per session, and its catalog refreshes never wait for a slot", async () => {
    const manager = use.manager({ lab: labStdioEntry({ sharing: "per-session" }, ["--announce-tools-changed-on-first-call"]) });
    const loads: number[] = [];
    manager.on("catalogLoaded", (event) => loads.push(event.version));
    // Waiters while a refresh is under way (no user call is then in flight).
    let mostWaiting = 0;
    // As an agent does: the session's listing, then its calls.
    await manager.listTools({ sessionId: "s0" });
    for (let i = 0; i < 5; i += 1) {
      await manager.callTool("lab__increment", {}, { sessionId: `s${i}` });
      const refreshed = () => {
        mostWaiting = Math.max(mostWaiting, serverStats(manager).waiting);
        return loads.length === i + 2;
      };
      await waitFor(refreshed, { intervalMs: 5, what: `the refresh after s${i}'s first call` });
    }
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 5, sessionClients: 5, clientsDestroyed: 0, waiting: 0 });
    expect(descendantPids()).toHaveLength(5);
    expect(mostWaiting).toBe(0);
  });
});
