// Callers that find every slot taken wait in arrival order, at most maxWaiting of them (PoolBusyError beyond)
// and at most acquireTimeoutMs each (PoolTimeoutError); a cancelled waiter leaves the queue; one session at
// its maxCallsPerSession cap does not hold up another's call, and the cap is counted per fairnessKey (a user's
// sessions together) when one is given. Fake connections, fake timers.
import { describe, expect, it, vi } from "vitest";
import { CallCancelledError, PoolBusyError, PoolTimeoutError } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf, serverStats } from "../helpers/manager.js";

const use = useFakeManagers();
const oneSlot = { maxConnections: 1, maxCallsPerConnection: 1 };

describe("waiting for a slot", () => {
  it("serves waiters in arrival order as the slot frees", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: oneSlot });
    const holder = borrow(manager);
    await holder.lent;
    const order: string[] = [];
    const waiters = ["w1", "w2", "w3"].map((name) => {
      const waiter = borrow(manager);
      void waiter.lent.then(() => order.push(name));
      return waiter;
    });
    await settle();
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 1, waiting: 3 });

    holder.giveBack();
    for (const waiter of waiters) {
      await waiter.lent;
      waiter.giveBack();
    }
    await Promise.all(waiters.map((waiter) => waiter.done));
    expect(order).toEqual(["w1", "w2", "w3"]);
    expect(fake.made).toHaveLength(1);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, waiting: 0, clientsCreated: 1 });
  });

  it("rejects at once with PoolBusyError when maxWaiting callers already wait", async () => {
    const manager = use.manager(fakeConnections(), { pool: { ...oneSlot, maxWaiting: 2 } });
    const holder = borrow(manager);
    await holder.lent;
    const waiters = [borrow(manager), borrow(manager)];
    await settle();

    const error = await rejectionOf(borrow(manager).done);
    expect(error).toBeInstanceOf(PoolBusyError);
    expect(error).toMatchObject({ code: "pool_busy", server: "fake" });
    expect(serverStats(manager).waiting).toBe(2);
    holder.giveBack();
    await waiters[0]!.lent;
  });

  it("rejects with PoolTimeoutError after acquireTimeoutMs, counted, and the wait leaves no trace", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { ...oneSlot, acquireTimeoutMs: 200 } });
    const holder = manager.callTool("fake__hold", { key: "holder" });
    await settle();
    const late = rejectionOf(manager.callTool("fake__echo", { text: "late" }));
    await settle();
    expect(serverStats(manager)).toMatchObject({ waiting: 1, callsInFlight: 1 });

    await vi.advanceTimersByTimeAsync(199);
    expect(serverStats(manager).waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await late;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect(error).toMatchObject({ code: "pool_timeout", server: "fake" });
    expect(serverStats(manager)).toMatchObject({ waiting: 0, callsInFlight: 1, callsFailed: { pool_timeout: 1 } });
    fake.release("holder");
    await holder;
    expect(serverStats(manager)).toMatchObject({ waiting: 0, callsInFlight: 0 });
  });

  it("drops a cancelled waiter from the queue without touching the caller that holds the slot", async () => {
    const manager = use.manager(fakeConnections(), { pool: oneSlot });
    const holder = borrow(manager);
    await holder.lent;
    const cancel = new AbortController();
    const waiter = borrow(manager, { signal: cancel.signal });
    await settle();

    cancel.abort();
    expect(await rejectionOf(waiter.done)).toBeInstanceOf(CallCancelledError);
    expect(serverStats(manager)).toMatchObject({ waiting: 0, callsInFlight: 1 });
    holder.giveBack();
    await holder.done;
  });

  it("lends a slot to every waiter left when many in the middle of the queue gave up while the client connected", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { pool: { maxConnections: 1, maxCallsPerConnection: 100 } });
    const controllers = Array.from({ length: 100 }, () => new AbortController());
    const waiters = controllers.map(({ signal }) => borrow(manager, { signal }));
    await settle();
    for (const controller of controllers.slice(10, 60)) controller.abort();

    fake.last().succeed();
    await settle();
    const lent = waiters.filter((waiter) => waiter.client !== undefined);
    expect(lent).toHaveLength(50);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 50, waiting: 0 });
  });

  it("skips a session at its maxCallsPerSession cap, so another session's call goes first", async () => {
    const manager = use.manager(fakeConnections(), { maxCallsPerSession: 2, pool: { maxConnections: 1, maxCallsPerConnection: 4 } });
    const greedy = Array.from({ length: 6 }, () => borrow(manager, { sessionId: "greedy" }));
    await settle();
    expect(greedy.filter((call) => call.client !== undefined)).toHaveLength(2);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 2, waiting: 4 });

    const polite = borrow(manager, { sessionId: "polite" });
    await polite.lent;
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 3, waiting: 4 });

    // The greedy session's waiters follow, two at a time, in their order.
    for (const call of greedy) {
      await call.lent;
      call.giveBack();
      await call.done;
    }
    polite.giveBack();
    await polite.done;
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, waiting: 0 });
  });

  it("counts the cap per fairnessKey: one user's sessions share it, so more sessions buy no more calls", async () => {
    const manager = use.manager(fakeConnections(), { maxCallsPerSession: 2, pool: { maxConnections: 1, maxCallsPerConnection: 8 } });
    // Six sessions of one user, two calls each.
    const hog = Array.from({ length: 12 }, (_, i) => borrow(manager, { sessionId: `hog-socket-${i % 6}`, fairnessKey: "hog" }));
    await settle();
    expect(hog.filter((call) => call.client !== undefined)).toHaveLength(2);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 2, waiting: 10 });

    // Another user gets a slot at once; without a fairnessKey each session has its own share.
    const other = borrow(manager, { sessionId: "other-socket", fairnessKey: "other" });
    await other.lent;
    const [a, b] = [borrow(manager, { sessionId: "plain-1" }), borrow(manager, { sessionId: "plain-2" })];
    await Promise.all([a.lent, b.lent]);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 5, waiting: 10 });

    for (const call of [other, a, b]) call.giveBack();
    for (const call of hog) {
      await call.lent;
      call.giveBack();
      await call.done;
    }
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, waiting: 0 });
  });

  it("keeps serving after waiters of a user at the cap give up, whether that user's calls end before or after", async () => {
    const manager = use.manager(fakeConnections(), { maxCallsPerSession: 1, pool: { maxConnections: 1, maxCallsPerConnection: 4 } });
    const first = borrow(manager, { fairnessKey: "busy" });
    await first.lent;
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const capped = controllers.map(({ signal }) => borrow(manager, { fairnessKey: "busy", signal }));
    await settle();
    for (const controller of controllers.slice(0, 3)) controller.abort();
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 1, waiting: 3 });

    // Another user behind them is served at once; the user at the cap gets one call at a time, in order.
    const other = borrow(manager, { fairnessKey: "other" });
    await other.lent;
    first.giveBack();
    for (const call of capped.slice(3)) {
      await call.lent;
      expect(serverStats(manager)).toMatchObject({ callsInFlight: 2 });
      call.giveBack();
      await call.done;
    }
    const late = borrow(manager, { fairnessKey: "busy" });
    await late.lent;
    late.giveBack();
    other.giveBack();
    await Promise.all([late.done, other.done]);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, waiting: 0 });
  });
});
