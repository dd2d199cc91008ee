// A shared pool opens nothing before the first need, opens its first client at once and another only once a
// caller has waited growAfterWaitMs and the backlog has lasted a second (one at a time, each judged before the
// next; with growAfterWaitMs 0, one client per maxCallsPerConnection waiters at once), never more than
// maxConnections, sends a call to the busiest client with a free slot (so a client the load no longer needs
// idles and closes), reuses an idle client rather than opening another, closes clients idle past
// idleTimeoutMs, replaces one that died while idle, and counts all of it in stats().
import { describe, expect, it, vi } from "vitest";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, borrowOnce, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { serverStats } from "../helpers/manager.js";

const use = useFakeManagers();

describe("a shared pool", () => {
  it("opens no client before the first call that needs one", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.made).toHaveLength(0);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 0, clientsCreated: 0 });
  });

  it("opens its first client at once, another once the backlog has lasted a second, one at a time", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { pool: { maxConnections: 3, maxCallsPerConnection: 1, growAfterWaitMs: 100 } });
    const callers = Array.from({ length: 4 }, () => borrow(manager));
    await settle();
    expect(fake.made).toHaveLength(1);
    fake.last().succeed();
    await callers[0]!.lent;
    // Callers have waited past growAfterWaitMs, but a new client beside one carrying calls is a growth trial
    // (growth-check.ts), which needs a second of backlog to compare with.
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.made).toHaveLength(2);
    // Still connecting: no third client meanwhile, however long the others wait.
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.made).toHaveLength(2);
    fake.last().succeed();
    await callers[1]!.lent;
    // The second client's trial lasts a second (no call ended, so nothing says it did not pay): the third
    // (and last) opens after it.
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.made).toHaveLength(3);
    fake.last().succeed();
    await callers[2]!.lent;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.made).toHaveLength(3);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 3, waiting: 1, callsInFlight: 3 });
  });

  it("opens another client only once a caller has waited growAfterWaitMs, when that is longer", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { maxConnections: 2, maxCallsPerConnection: 1, growAfterWaitMs: 2_000 } });
    const callers = Array.from({ length: 2 }, () => borrow(manager));
    await callers[0]!.lent;
    await vi.advanceTimersByTimeAsync(1_999);
    expect(fake.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.made).toHaveLength(2);
    await callers[1]!.lent;
  });

  it("opens no other client while waiters are served within growAfterWaitMs", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { maxConnections: 4, maxCallsPerConnection: 1, growAfterWaitMs: 100 } });
    const callers = Array.from({ length: 5 }, () => borrow(manager));
    for (const caller of callers) {
      await caller.lent;
      await vi.advanceTimersByTimeAsync(15);
      caller.giveBack();
      await caller.done;
    }
    expect(fake.made).toHaveLength(1);
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, waiting: 0 });
  });

  it("with growAfterWaitMs 0 opens one client per maxCallsPerConnection waiters at once, never more than maxConnections", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { pool: { maxConnections: 3, maxCallsPerConnection: 2, growAfterWaitMs: 0 } });
    const first = Array.from({ length: 3 }, () => borrow(manager));
    await settle();
    expect(fake.made).toHaveLength(2);
    const more = Array.from({ length: 6 }, () => borrow(manager));
    await settle();
    expect(fake.made).toHaveLength(3);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 3, waiting: 9, callsInFlight: 0 });

    for (const connection of fake.made) connection.succeed();
    await settle();
    expect([...first, ...more].filter((caller) => caller.client !== undefined)).toHaveLength(6);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 3, clientsCreated: 3, waiting: 3, callsInFlight: 6, clientsIdle: 0 });
  });

  it("sends a call to the busiest client with a free slot, so a client the load no longer needs idles and closes", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { maxConnections: 2, maxCallsPerConnection: 3, growAfterWaitMs: 0, idleTimeoutMs: 5_000 } });
    const burst = Array.from({ length: 4 }, () => borrow(manager));
    await Promise.all(burst.map((caller) => caller.lent));
    expect(fake.made).toHaveLength(2);
    // One client carries 3 calls (call it the first), the other 1; one of the first's ends: 2 against 1.
    const loadOf = (client: unknown) => burst.filter((caller) => caller.client === client).length;
    const [first, second] = fake.made.map((connection) => connection.client).sort((a, b) => loadOf(b) - loadOf(a));
    const onFirst = burst.filter((caller) => caller.client === first);
    expect(onFirst).toHaveLength(3);
    onFirst[0]!.giveBack();
    await onFirst[0]!.done;
    const next = borrow(manager);
    expect(await next.lent).toBe(first);
    next.giveBack();
    await next.done;
    // The burst is over: the second client's call ends, and the calls that follow (one at a time, beside
    // the first's 2) all fit on the first.
    const onSecond = burst.find((caller) => caller.client === second)!;
    onSecond.giveBack();
    await onSecond.done;
    for (let i = 0; i < 9; i += 1) {
      const call = borrow(manager);
      expect(await call.lent).toBe(first);
      await vi.advanceTimersByTimeAsync(1_000);
      call.giveBack();
      await call.done;
    }
    const state = (client: unknown) => fake.made.find((connection) => connection.client === client)!.state;
    expect(state(second)).toBe("closed");
    expect(state(first)).toBe("open");
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 1, clientsDestroyed: 1 });
  });

  it("reuses an idle client rather than opening another, and counts it idle", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    await borrowOnce(manager);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 1, clientsIdle: 1, callsInFlight: 0 });

    const second = borrow(manager);
    expect(await second.lent).toBe(fake.made[0]!.client);
    expect(fake.made).toHaveLength(1);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 1, clientsIdle: 0, callsInFlight: 1 });
  });

  it("closes a client idle past idleTimeoutMs and opens a new one for the next call", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { idleTimeoutMs: 1_000 } });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(event.reason));
    await borrowOnce(manager);

    await vi.advanceTimersByTimeAsync(900);
    expect(fake.made[0]!.state).toBe("open");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.made[0]!.state).toBe("closed");
    expect(destroyed).toEqual(["idle"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 0, clientsCreated: 1, clientsDestroyed: 1 });

    const next = borrow(manager);
    expect(await next.lent).toBe(fake.made[1]!.client);
  });

  it("replaces a client that died while idle, at the next call", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(event.reason));
    await borrowOnce(manager);

    fake.made[0]!.die();
    await settle();
    expect(destroyed).toEqual(["connection lost"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 0, clientsDestroyed: 1 });
    const next = borrow(manager);
    expect(await next.lent).toBe(fake.made[1]!.client);
  });

  it("keeps minConnections open after warmUp()", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { minConnections: 2, maxConnections: 3 } });
    const warming = manager.warmUp();
    await vi.advanceTimersByTimeAsync(200);
    await warming;
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "open"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 2, clientsIdle: 2 });
  });
});
