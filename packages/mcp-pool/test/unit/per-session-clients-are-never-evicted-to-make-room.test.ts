// A session's client of a per-session server closes only when the session is released, idles out or dies:
// another session that finds the pool full waits for a slot like any caller (acquireTimeoutMs, then
// PoolTimeoutError; PoolBusyError beyond maxWaiting), and never takes the client of a session that called a
// moment ago.
import { describe, expect, it, vi } from "vitest";
import { PoolBusyError, PoolTimeoutError } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, borrowOnce, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf, serverStats } from "../helpers/manager.js";

const use = useFakeManagers();

describe("a full per-session pool", () => {
  it("keeps every session's client: a new session waits, then gets PoolTimeoutError, and the others keep theirs", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { maxConnections: 2, acquireTimeoutMs: 1_000 } });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(`${event.sessionId}: ${event.reason}`));
    const clientA = await borrowOnce(manager, { sessionId: "a" });
    const clientB = await borrowOnce(manager, { sessionId: "b" });

    const c = borrow(manager, { sessionId: "c" });
    await settle();
    expect(serverStats(manager)).toMatchObject({ waiting: 1, sessionClients: 2 });
    // a and b, idle, are served by their own clients while c waits.
    expect(await borrowOnce(manager, { sessionId: "a" })).toBe(clientA);
    expect(await borrowOnce(manager, { sessionId: "b" })).toBe(clientB);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(await rejectionOf(c.done)).toBeInstanceOf(PoolTimeoutError);
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "open"]);
    expect(destroyed).toEqual([]);
    expect(await borrowOnce(manager, { sessionId: "a" })).toBe(clientA);
  });

  it("turns away a newcomer beyond maxWaiting with PoolBusyError at once", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { maxConnections: 1, maxWaiting: 1 } });
    await borrowOnce(manager, { sessionId: "a" });
    const b = borrow(manager, { sessionId: "b" });
    const c = borrow(manager, { sessionId: "c" });
    expect(await rejectionOf(c.done)).toBeInstanceOf(PoolBusyError);
    await settle();
    expect(serverStats(manager)).toMatchObject({ waiting: 1, sessionClients: 1 });
    expect(b.client).toBeUndefined();
  });

  it("gives the waiting session a client once another session is released", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { maxConnections: 2 } });
    await borrowOnce(manager, { sessionId: "a" });
    await borrowOnce(manager, { sessionId: "b" });
    const c = borrow(manager, { sessionId: "c" });
    await settle();
    expect(c.client).toBeUndefined();

    await manager.releaseSession("b");
    await c.lent;
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "closed", "open"]);
  });

  it("gives the waiting session a client once another session's client has been idle for idleTimeoutMs", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, {
      sharing: "per-session",
      pool: { maxConnections: 2, idleTimeoutMs: 1_000, acquireTimeoutMs: 5_000 },
    });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(`${event.sessionId}: ${event.reason}`));
    await borrowOnce(manager, { sessionId: "a" });
    await vi.advanceTimersByTimeAsync(600);
    await borrowOnce(manager, { sessionId: "b" });
    const c = borrow(manager, { sessionId: "c" });

    // a has been idle 1,000 ms at the sweep of t = 1,500; b, used 600 ms later, keeps its client.
    await vi.advanceTimersByTimeAsync(1_000);
    await c.lent;
    expect(destroyed).toEqual(["a: idle"]);
    expect(fake.made.map((connection) => connection.state)).toEqual(["closed", "open", "open"]);
  });
});
