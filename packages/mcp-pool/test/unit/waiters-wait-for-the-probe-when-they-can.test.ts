// A crash blip must not fail the queue. Once a server has connected, failed connects that open the circuit leave
// waiting callers waiting when their own deadline (acquireTimeoutMs) comes after the circuit's next attempt: the
// probe is made on time for them and serves them; only callers who cannot wait that long fail, at once. A client
// that ends before it finished a single call (a crash loop) counts toward opening the circuit; one that had
// answered calls (a crash of a working server) does not. Fake connections, fake time.
import { describe, expect, it, vi } from "vitest";
import { ServerUnavailableError, type PooledMCPServerManager } from "../../src/index.js";
import { fakeConnections, type FakeConnections } from "../helpers/fake-connections.js";
import { borrow, borrowOnce, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf, serverStats } from "../helpers/manager.js";

const use = useFakeManagers();
const circuit = { failureThreshold: 2, baseBackoffMs: 1_000, maxBackoffMs: 8_000 };
const onePool = { maxConnections: 1, maxCallsPerConnection: 1 };

/** A server that connected and answered once, whose client then died: it has worked, so it is expected back. */
async function serverThatWorked(fake: FakeConnections, acquireTimeoutMs: number): Promise<PooledMCPServerManager> {
  const manager = use.manager(fake, { circuit, pool: { ...onePool, acquireTimeoutMs } });
  const first = borrowOnce(manager);
  await settle();
  fake.last().succeed();
  await first;
  fake.last().die();
  await settle();
  expect(serverStats(manager)).toMatchObject({ circuit: "closed", clientsOpen: 0 });
  return manager;
}

/** Fails connects as they start until the circuit opens. */
async function failConnectsUntilOpen(manager: PooledMCPServerManager, fake: FakeConnections): Promise<void> {
  for (let i = 0; i < circuit.failureThreshold; i += 1) {
    await settle();
    expect(fake.last().state).toBe("connecting");
    fake.last().fail(new Error("killed while connecting"));
  }
  await settle();
  expect(serverStats(manager).circuit).toBe("open");
}

describe("a server that has connected before", () => {
  it("keeps waiters whose deadline outlasts the backoff waiting, probes on time for them, and serves them", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = await serverThatWorked(fake, 5_000);
    const made = fake.made.length;

    const waiting = borrow(manager);
    // A failed connect with the circuit still closed is tried again at once; two open it.
    await failConnectsUntilOpen(manager, fake);
    expect(fake.made.length).toBe(made + circuit.failureThreshold);
    expect(serverStats(manager).waiting).toBe(1);
    // A caller arriving now waits too, rather than failing fast.
    const later = borrow(manager);
    await settle();
    expect(serverStats(manager).waiting).toBe(2);

    // Nobody calls meanwhile: the probe is made when the backoff ends, for those waiting.
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs);
    expect(fake.made.length).toBe(made + circuit.failureThreshold + 1);
    expect(serverStats(manager).circuit).toBe("half-open");
    fake.last().succeed();
    await waiting.lent;
    waiting.giveBack();
    await later.lent;
    later.giveBack();
    await Promise.all([waiting.done, later.done]);
    expect(serverStats(manager)).toMatchObject({ circuit: "closed", callsFailed: {} });
  });

  it("fails at once only the waiters who cannot wait for the next attempt, and callers arriving who cannot", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = await serverThatWorked(fake, 2_600);
    // t = 0: the circuit opens, next attempt at 1 s; early gives up at 2.6 s, so it waits.
    const early = borrow(manager);
    await failConnectsUntilOpen(manager, fake);
    await vi.advanceTimersByTimeAsync(500);
    const late = borrow(manager); // gives up at 3.1 s
    await settle();
    expect(serverStats(manager).waiting).toBe(2);

    // t = 1 s: the probe fails; the next attempt is 2 s later, at 3 s: early cannot wait for it, late can.
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(fake.last().state).toBe("connecting");
    fake.last().fail(new Error("still down"));
    const error = (await rejectionOf(early.done)) as ServerUnavailableError;
    expect(error).toBeInstanceOf(ServerUnavailableError);
    expect(error.retryAt).toBe(Date.now() + 2 * circuit.baseBackoffMs);
    expect(error.message).toContain("still down");
    expect(serverStats(manager).waiting).toBe(1);
    const made = fake.made.length; // no connect until the next attempt
    // Arriving now it would give up at 3.6 s, after the attempt: it waits.
    const arriving = borrow(manager);
    await settle();
    expect(serverStats(manager).waiting).toBe(2);

    // t = 3 s: the probe connects and serves both, in order.
    expect(fake.made.length).toBe(made);
    await vi.advanceTimersByTimeAsync(2 * circuit.baseBackoffMs);
    await settle();
    expect(fake.made.length).toBe(made + 1);
    fake.last().succeed();
    await late.lent;
    late.giveBack();
    await arriving.lent;
    arriving.giveBack();
    await Promise.all([late.done, arriving.done]);
  });

  for (const sharing of ["shared", "per-session"] as const) {
    it(`makes the probe when the clock passes the next attempt while the pool decides (${sharing})`, async () => {
      // Node fires timers by the event loop's clock, coarser than Date.now(): the probe's timer can fire a
      // millisecond before the attempt is due, and on a loaded machine the clock passes it while the pool
      // decides, at whichever of its readings.
      for (let passesAt = 1; passesAt <= 3; passesAt += 1) {
        const fake = fakeConnections({ connect: "manual" });
        const manager = use.manager(fake, { sharing, circuit, pool: { ...onePool, acquireTimeoutMs: 5_000 } });
        const session = { sessionId: "user-1" };
        const first = borrow(manager, session);
        await settle();
        fake.last().succeed();
        await first.lent;
        first.giveBack();
        await first.done;
        fake.last().die();
        await settle();
        const waiting = borrow(manager, session);
        await failConnectsUntilOpen(manager, fake);
        const retryAt = Date.now() + circuit.baseBackoffMs;
        const made = fake.made.length;

        await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs - 1);
        let readings = 0;
        const clock = vi.spyOn(Date, "now").mockImplementation(() => (++readings < passesAt ? retryAt - 1 : retryAt));
        await vi.advanceTimersByTimeAsync(1);
        clock.mockRestore();

        // The probe is made at once, not after the waiter's 5 s.
        await vi.advanceTimersByTimeAsync(10);
        expect(fake.made.length, `the clock passing the attempt at reading ${passesAt}`).toBe(made + 1);
        fake.last().succeed();
        await waiting.lent;
        waiting.giveBack();
        await waiting.done;
        expect(serverStats(manager)).toMatchObject({ circuit: "closed", waiting: 0 });
      }
    });
  }

  it("fails a caller at once when the circuit's next attempt is later than it can wait", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = await serverThatWorked(fake, 900);
    const waiting = borrow(manager);
    await failConnectsUntilOpen(manager, fake);
    // Its 900 ms end before the attempt at 1 s: it fails now, and so does anyone arriving.
    expect(await rejectionOf(waiting.done)).toBeInstanceOf(ServerUnavailableError);
    expect(await rejectionOf(borrow(manager).done)).toBeInstanceOf(ServerUnavailableError);
    expect(serverStats(manager).waiting).toBe(0);
  });
});

describe("a client that ends by itself", () => {
  it("counts toward opening the circuit when it ended before finishing a call (a crash loop)", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { circuit, pool: onePool });
    for (let i = 0; i < circuit.failureThreshold; i += 1) {
      const borrowed = borrow(manager);
      await borrowed.lent;
      fake.last().die();
      await settle();
      borrowed.giveBack();
      await rejectionOf(borrowed.done).catch(() => undefined);
    }
    expect(serverStats(manager).circuit).toBe("open");
    expect(serverStats(manager).clientsCreated).toBe(circuit.failureThreshold);
  });

  it("does not, when it had answered calls (a crash of a working server): the next caller gets a new client", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { circuit, pool: onePool });
    for (let i = 0; i < 2 * circuit.failureThreshold; i += 1) {
      await borrowOnce(manager);
      fake.last().die();
      await settle();
      expect(serverStats(manager).circuit).toBe("closed");
    }
    await borrowOnce(manager);
    expect(serverStats(manager).clientsCreated).toBe(2 * circuit.failureThreshold + 1);
  });
});
