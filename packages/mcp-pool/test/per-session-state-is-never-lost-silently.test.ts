// Per-session state is never lost silently, with real server processes. server-sequential-thinking
// (docs/real-servers/sequential-thinking.json) keeps its thought history in the process: user A's history
// survives other users filling the per-session pool, who wait and then get PoolTimeoutError. A session whose
// server process died, or whose client idled out, gets a new process, and its next answer says so. (That a
// newcomer's wait ends in PoolTimeoutError or PoolBusyError: unit/per-session-clients-are-never-evicted-to-make-room.)
import { describe, expect, it } from "vitest";
import { CallCancelledError, type PooledMCPServerManager } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, serverStats, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { docConfig, useRealServerBins } from "./helpers/real-servers.js";

const use = useManagers();
useRealServerBins();

/** Adds thought `n` to the session's history; answers the history's length. */
async function think(manager: PooledMCPServerManager, sessionId: string, n: number, signal?: AbortSignal): Promise<number> {
  const thought = { thought: `step ${n} of ${sessionId}`, thoughtNumber: n, totalThoughts: 5, nextThoughtNeeded: n < 5 };
  const result = await manager.callTool("thinking__sequentialthinking", thought, { sessionId, signal });
  return (result.structuredContent as { thoughtHistoryLength: number }).thoughtHistoryLength;
}

describe("server-sequential-thinking per session, at maxConnections", () => {
  it("keeps user A's thought history while other users fill the pool: they wait for a released session's room", async () => {
    const config = await docConfig("sequential-thinking");
    const thinking = config.servers[0]!;
    thinking.pool = { ...thinking.pool, maxConnections: 2 };
    const manager = use.managerOf(config);

    expect(await think(manager, "alice", 1)).toBe(1);
    expect(await think(manager, "bob", 1)).toBe(1);
    const giveUp = new AbortController();
    const [carol, ...others] = ["carol", "dave", "erin"].map((user) => think(manager, user, 1, giveUp.signal));
    await waitFor(() => serverStats(manager).waiting === 3, { what: "the newcomers to wait" });
    expect(await think(manager, "alice", 2)).toBe(2);
    expect(await think(manager, "alice", 3)).toBe(3);
    expect(descendantPids()).toHaveLength(2);

    // A released session makes room for the first newcomer, who starts a history of her own; alice keeps hers.
    await manager.releaseSession("bob");
    expect(await carol).toBe(1);
    expect(await think(manager, "alice", 4)).toBe(4);
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 3, sessionClients: 2, waiting: 2 });
    giveUp.abort();
    for (const other of others) expect(await rejectionOf(other!)).toBeInstanceOf(CallCancelledError);
  });
});

describe("a per-session client replaced", () => {
  it("after its server process was killed: the session's next answer says sessionReset 'connection lost'", async () => {
    const manager = use.manager({ lab: labStdioEntry({ sharing: "per-session" }) });
    const increment = (sessionId: string) => manager.callTool("lab__increment", {}, { sessionId });
    expect(textOf(await increment("alice"))).toBe("1");
    const alice = await increment("alice");
    expect([textOf(alice), alice.sessionReset]).toEqual(["2", undefined]);
    expect(textOf(await increment("bob"))).toBe("1");

    const { pid } = JSON.parse(textOf(await manager.callTool("lab__whoami", {}, { sessionId: "alice" }))) as { pid: number };
    process.kill(pid, "SIGKILL");
    await waitFor(() => serverStats(manager).clientsDestroyed === 1, { what: "the pool to see alice's server die" });

    const after = await increment("alice");
    expect([textOf(after), after.sessionReset]).toEqual(["1", "connection lost"]);
    const next = await increment("alice");
    expect([textOf(next), next.sessionReset]).toEqual(["2", undefined]);
    const bob = await increment("bob");
    expect([textOf(bob), bob.sessionReset]).toEqual(["2", undefined]);
  });

  it("after it idled out: the session's next answer says sessionReset 'idle'", async () => {
    const manager = use.manager({ lab: labStdioEntry({ sharing: "per-session", pool: { idleTimeoutMs: 300 } }) });
    const increment = (sessionId: string) => manager.callTool("lab__increment", {}, { sessionId });
    expect(textOf(await increment("alice"))).toBe("1");
    await waitFor(() => serverStats(manager).sessionClients === 0, { what: "alice's client to idle out" });

    const after = await increment("alice");
    expect([textOf(after), after.sessionReset]).toEqual(["1", "idle"]);
  });
});
