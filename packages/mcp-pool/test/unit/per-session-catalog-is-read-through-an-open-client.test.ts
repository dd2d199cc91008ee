// A per-session server's tool catalog is read through a client that is already open: the one that announced
// tools/list_changed, or the first session's own client. Catalog work starts no client of its own when one is
// open, takes no session's slot, and never shows in the counts users see (waiting, calls in flight, sessions).
import { describe, expect, it, vi } from "vitest";
import type { PooledMCPServerManager } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { serverStats } from "../helpers/manager.js";

const use = useFakeManagers();

function echo(manager: PooledMCPServerManager, sessionId: string) {
  return manager.callTool("fake__echo", { text: sessionId }, { sessionId });
}

/** Lets a tools/list_changed refresh run (it waits 25 ms for more announcements). */
async function refreshed(): Promise<void> {
  await vi.advanceTimersByTimeAsync(30);
  await settle();
}

describe("a per-session server's catalog", () => {
  it("is read through the first session's own client: N sessions start N clients", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    const { tools } = await manager.listTools({ sessionId: "s0" });
    expect(tools.map((tool) => tool.name)).toContain("fake__echo");
    expect(fake.made).toHaveLength(1);
    for (let i = 0; i < 5; i += 1) await echo(manager, `s${i}`);
    expect(fake.made).toHaveLength(5);
    expect(fake.made[0]!.sessionId).toBe("s0");
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 5, sessionClients: 5, clientsDestroyed: 0 });
  });

  it("is loaded by a session's first call through that session's client", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    await echo(manager, "a");
    expect(fake.made.map((connection) => [connection.sessionId, connection.toolListsServed])).toEqual([["a", 1]]);
  });

  it("is refreshed through the client that announced tools/list_changed, with no new client and no slot taken", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { maxConnections: 3, maxCallsPerConnection: 1 } });
    for (const session of ["a", "b", "c"]) await echo(manager, session);
    // c's only slot is taken by a call in flight; the pool is full.
    const holding = manager.callTool("fake__hold", { key: "c" }, { sessionId: "c" });
    await settle();
    const before = serverStats(manager);
    expect(before).toMatchObject({ callsInFlight: 1, waiting: 0, catalogVersion: 1 });

    await fake.made[2]!.announceToolsChanged();
    await refreshed();
    expect(fake.made.map((connection) => connection.toolListsServed)).toEqual([1, 0, 1]);
    expect(fake.made).toHaveLength(3);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 1, waiting: 0, sessionClients: 3, catalogVersion: 2 });
    fake.release("c");
    await holding;
  });

  it("is refreshed once per announcing session, each time through that session's client", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    for (const session of ["a", "b", "c"]) {
      await echo(manager, session);
      await fake.last().announceToolsChanged();
      await refreshed();
    }
    expect(fake.made.map((connection) => connection.toolListsServed)).toEqual([2, 1, 1]);
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 3, catalogVersion: 4 });
  });

  it("with no client open and no session asking, is read through a client of its own, closed once read", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(`${event.sessionId}: ${event.reason}`));
    await manager.listTools();
    await settle();
    expect(fake.made.map((connection) => connection.state)).toEqual(["closed"]);
    expect(destroyed).toEqual(["undefined: catalog read"]);
    expect(serverStats(manager)).toMatchObject({ sessionClients: 0, clientsOpen: 0, waiting: 0 });
  });

  it("waits for a connecting client rather than start one beyond maxConnections", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { sharing: "per-session", pool: { maxConnections: 1 } });
    const a = borrow(manager, { sessionId: "a" });
    await settle();
    const listing = manager.listTools();
    await settle();
    expect(fake.made).toHaveLength(1);
    fake.made[0]!.succeed();
    await a.lent;
    expect((await listing).tools.length).toBeGreaterThan(0);
    expect(fake.made).toHaveLength(1);
    expect(fake.made[0]!.toolListsServed).toBe(1);
  });
});
