// A per-session pool gives each session its own client, closes it at releaseSession (after its calls) or
// after idleTimeoutMs, and keeps live clients, closing ones included, within maxConnections: a new session
// that needs room waits until a closing client's close is confirmed.
import { describe, expect, it, vi } from "vitest";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, borrowOnce, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { serverStats } from "../helpers/manager.js";

const use = useFakeManagers();

describe("a per-session pool", () => {
  it("gives each session its own client and the same one on its next call", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    const a = borrow(manager, { sessionId: "a" });
    const b = borrow(manager, { sessionId: "b" });
    const [clientA, clientB] = await Promise.all([a.lent, b.lent]);
    expect(clientA).not.toBe(clientB);
    a.giveBack();
    await a.done;
    const again = borrow(manager, { sessionId: "a" });
    expect(await again.lent).toBe(clientA);
    expect(serverStats(manager)).toMatchObject({ sessionClients: 2, clientsCreated: 2 });
  });

  it("closes a released session's client once its call in flight ends", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    const call = borrow(manager, { sessionId: "a" });
    await call.lent;
    await manager.releaseSession("a");
    expect(fake.made[0]!.state).toBe("open");
    expect(serverStats(manager)).toMatchObject({ sessionClients: 0, clientsOpen: 1 });
    call.giveBack();
    await call.done;
    await settle();
    expect(fake.made[0]!.state).toBe("closed");
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 0, clientsDestroyed: 1 });
  });

  it("closes a session's client idle past idleTimeoutMs", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { idleTimeoutMs: 1_000 } });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(event.reason));
    await borrowOnce(manager, { sessionId: "a" });
    await vi.advanceTimersByTimeAsync(900);
    expect(fake.made[0]!.state).toBe("open");
    await vi.advanceTimersByTimeAsync(700);
    expect(fake.made[0]!.state).toBe("closed");
    expect(destroyed).toEqual(["idle"]);
  });

  it("never has more than maxConnections live clients: a new session waits for a released client to be gone", async () => {
    const fake = fakeConnections({ close: "manual" });
    const manager = use.manager(fake, { sharing: "per-session", pool: { maxConnections: 2 } });
    await borrowOnce(manager, { sessionId: "a" });
    await borrowOnce(manager, { sessionId: "b" });

    const c = borrow(manager, { sessionId: "c" });
    await settle();
    expect(serverStats(manager)).toMatchObject({ waiting: 1, clientsOpen: 2 });
    void manager.releaseSession("a");
    await settle();
    // a's client is closing; until it is gone, c has no client.
    expect(fake.made.map((connection) => connection.state)).toEqual(["closing", "open"]);
    expect(fake.alive()).toHaveLength(2);
    expect(serverStats(manager)).toMatchObject({ waiting: 1, clientsOpen: 1 });

    fake.made[0]!.exit();
    await c.lent;
    expect(fake.made.map((connection) => connection.state)).toEqual(["closed", "open", "open"]);
    expect(fake.alive()).toHaveLength(2);
  });
});
