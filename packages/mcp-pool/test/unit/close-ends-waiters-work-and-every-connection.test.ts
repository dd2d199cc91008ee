// close() refuses new work, lets work in flight run for graceMs, then fails it and every waiter with
// ManagerClosedError (the server is told to cancel), ends a connect in progress, and resolves only once every
// connection's close is confirmed.
import { describe, expect, it, vi } from "vitest";
import { ManagerClosedError } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf } from "../helpers/manager.js";

const use = useFakeManagers();

describe("close()", () => {
  it("fails work still running and waiting after graceMs with ManagerClosedError", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { maxConnections: 1, maxCallsPerConnection: 1 } });
    const call = rejectionOf(manager.callTool("fake__hold", { key: "k" }));
    await settle();
    const waiter = borrow(manager);
    await settle();

    const closing = manager.close({ graceMs: 1_000 });
    await expect(manager.callTool("fake__echo", { text: "late" })).rejects.toBeInstanceOf(ManagerClosedError);
    await vi.advanceTimersByTimeAsync(990);
    expect(fake.cancelled).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10);
    await closing;
    expect(await rejectionOf(waiter.done)).toBeInstanceOf(ManagerClosedError);
    expect(await call).toBeInstanceOf(ManagerClosedError);
    expect(fake.cancelled).toHaveLength(1);
    expect(fake.made.map((connection) => connection.state)).toEqual(["closed"]);
  });

  it("lets work that ends within graceMs finish", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    const call = manager.callTool("fake__hold", { key: "k" });
    await settle();
    const closing = manager.close({ graceMs: 1_000 });
    await vi.advanceTimersByTimeAsync(100);
    fake.release("k");
    await vi.advanceTimersByTimeAsync(100);
    await closing;
    expect((await call).content).toEqual([{ type: "text", text: "held:k" }]);
  });

  it("ends a connect in progress and resolves only once every connection is gone", async () => {
    for (const sharing of ["shared", "per-session"] as const) {
      const fake = fakeConnections({ connect: "manual", close: "manual" });
      const manager = use.manager(fake, { sharing });
      const waiter = borrow(manager, { sessionId: "s" });
      await settle();
      expect(fake.last().state).toBe("connecting");

      let closed = false;
      const closing = manager.close({ graceMs: 0 }).then(() => (closed = true));
      await settle();
      expect(await rejectionOf(waiter.done)).toBeInstanceOf(ManagerClosedError);
      expect(fake.last().state).toBe("closing");
      expect(closed).toBe(false);
      fake.last().exit();
      await closing;
      expect(fake.alive()).toEqual([]);
      await expect(manager.listTools()).rejects.toBeInstanceOf(ManagerClosedError);
    }
  });

  it("aborts the signal withClient() hands its callback, and cancels a resource read in flight", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    let seen: AbortSignal | undefined;
    const untilAborted = (_client: unknown, { signal }: { signal: AbortSignal }) => {
      seen = signal;
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error)));
    };
    const work = rejectionOf(manager.withClient("fake", untilAborted));
    const read = rejectionOf(manager.readResource("fake", "fake://hold/r"));
    await settle();
    expect(seen?.aborted).toBe(false);

    await manager.close({ graceMs: 0 });
    expect(seen?.aborted).toBe(true);
    expect(await work).toBeInstanceOf(ManagerClosedError);
    expect(await read).toBeInstanceOf(ManagerClosedError);
    // The resource read was cancelled on the server, not left running.
    expect(fake.cancelled).toHaveLength(1);
  });
});
