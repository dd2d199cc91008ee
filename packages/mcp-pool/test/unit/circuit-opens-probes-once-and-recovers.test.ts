// The circuit around connecting, with connects that fail or succeed on command and fake time: it opens after
// failureThreshold failed connects, callers then fail fast with retryAt, once the backoff has elapsed exactly
// one probe connects (whoever asks), a failed probe doubles the backoff and fails those waiting for it at once,
// a successful one closes the circuit. A probe that ends without a verdict (cut short, or a borrow an idle
// client served) never leaves the circuit half-open for ever.
import { describe, expect, it, vi } from "vitest";
import { ServerUnavailableError, type PooledMCPServerManager } from "../../src/index.js";
import { fakeConnections, type FakeConnections } from "../helpers/fake-connections.js";
import { borrow, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf, serverStats } from "../helpers/manager.js";

const use = useFakeManagers();
const circuit = { failureThreshold: 2, baseBackoffMs: 1_000, maxBackoffMs: 4_000 };

async function unavailable(done: Promise<unknown>): Promise<ServerUnavailableError> {
  const error = await rejectionOf(done);
  expect(error).toBeInstanceOf(ServerUnavailableError);
  return error as ServerUnavailableError;
}

/** Fails `failureThreshold` connects in a row: the circuit is open afterwards. */
async function openTheCircuit(manager: PooledMCPServerManager, fake: FakeConnections, sessionId?: string): Promise<void> {
  for (let attempt = 1; attempt <= circuit.failureThreshold; attempt += 1) {
    const caller = borrow(manager, { sessionId });
    await settle();
    fake.last().fail(new Error("spawn ENOENT"));
    const error = await unavailable(caller.done);
    expect(error.message).toContain("spawn ENOENT");
  }
  expect(serverStats(manager).circuit).toBe("open");
}

describe("the circuit", () => {
  it("opens after failureThreshold failed connects and fails callers fast with retryAt, connecting nothing", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { circuit });
    await openTheCircuit(manager, fake);

    const error = await unavailable(borrow(manager).done);
    expect(error).toMatchObject({ code: "server_unavailable", server: "fake", retryAt: Date.now() + circuit.baseBackoffMs });
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs - 1);
    await unavailable(borrow(manager).done);
    expect(fake.made).toHaveLength(circuit.failureThreshold);
    const listing = await manager.listTools();
    expect(listing.unavailable).toEqual([{ server: "fake", error: expect.any(ServerUnavailableError) }]);
  });

  it("lets exactly one probe connect once the backoff has elapsed; its success closes the circuit for everyone", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { circuit });
    await openTheCircuit(manager, fake);
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs);

    const callers = [borrow(manager), borrow(manager), borrow(manager)];
    await settle();
    expect(fake.made).toHaveLength(circuit.failureThreshold + 1);
    expect(serverStats(manager)).toMatchObject({ circuit: "half-open", waiting: 3 });

    fake.last().succeed();
    await Promise.all(callers.map((caller) => caller.lent));
    expect(serverStats(manager)).toMatchObject({ circuit: "closed", clientsCreated: 1 });
  });

  it("doubles the backoff when the probe fails, and fails the callers waiting for it at once", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { circuit });
    await openTheCircuit(manager, fake);
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs);

    const probe = borrow(manager);
    const waiting = borrow(manager);
    await settle();
    fake.last().fail();
    const [probeError, waitingError] = await Promise.all([unavailable(probe.done), unavailable(waiting.done)]);
    expect(waitingError.retryAt).toBe(Date.now() + 2 * circuit.baseBackoffMs);
    expect(probeError.retryAt).toBe(waitingError.retryAt);

    await vi.advanceTimersByTimeAsync(2 * circuit.baseBackoffMs - 1);
    await unavailable(borrow(manager).done);
    expect(fake.made).toHaveLength(circuit.failureThreshold + 1);
    await vi.advanceTimersByTimeAsync(1);
    const next = borrow(manager);
    await settle();
    expect(fake.made).toHaveLength(circuit.failureThreshold + 2);
    fake.last().succeed();
    await next.lent;
  });

  it("per session: fails the other sessions waiting for a failed probe at once, not after acquireTimeoutMs", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { sharing: "per-session", circuit, pool: { acquireTimeoutMs: 10_000 } });
    await openTheCircuit(manager, fake, "a");
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs);

    const probe = borrow(manager, { sessionId: "probe" });
    const other = borrow(manager, { sessionId: "b" });
    await settle();
    expect(fake.made).toHaveLength(circuit.failureThreshold + 1);
    fake.last().fail();
    await unavailable(probe.done);
    await unavailable(other.done);
  });

  it("per session: lets another probe connect when the probe's session was released while it connected", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { sharing: "per-session", circuit });
    await openTheCircuit(manager, fake, "a");
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs);

    const probe = borrow(manager, { sessionId: "probe" });
    await settle();
    const cutShort = fake.last();
    await manager.releaseSession("probe");
    expect(cutShort.state).toBe("closed");

    // No verdict came of it: the next connect may probe, and it connects.
    const next = borrow(manager, { sessionId: "b" });
    await settle();
    for (const connection of fake.made.filter((made) => made.state === "connecting")) connection.succeed();
    await settle();
    for (const connection of fake.made.filter((made) => made.state === "connecting")) connection.succeed();
    await next.lent;
    expect(serverStats(manager).circuit).toBe("closed");
    probe.giveBack();
  });

  it("shared: a borrow served by an idle client uses no probe, so a later one that needs a connect gets it", async () => {
    const fake = fakeConnections({ connect: "manual" });
    // growAfterWaitMs 0: the second client is asked for as soon as the second caller waits.
    const manager = use.manager(fake, {
      circuit: { ...circuit, failureThreshold: 1 },
      pool: { maxConnections: 2, maxCallsPerConnection: 1, growAfterWaitMs: 0 },
    });
    const first = borrow(manager);
    await settle();
    fake.last().succeed();
    await first.lent;
    first.giveBack();
    await first.done;
    await settle(); // the client is shelved, idle

    // A second client is needed while the first is busy; it fails to connect and opens the circuit.
    const busy = borrow(manager);
    const second = borrow(manager);
    await settle();
    expect(fake.made).toHaveLength(2);
    fake.last().fail();
    await settle();
    expect(serverStats(manager).circuit).toBe("open");
    // The busy client serves the second caller when it is free.
    busy.giveBack();
    await second.lent;
    second.giveBack();
    await second.done;
    await settle();

    // Past the backoff the idle client serves a borrow without a connect; the next one needing a connect probes.
    await vi.advanceTimersByTimeAsync(circuit.baseBackoffMs);
    const onIdle = borrow(manager);
    await onIdle.lent;
    expect(fake.made).toHaveLength(2);
    const needsAConnect = borrow(manager);
    await settle();
    expect(fake.made).toHaveLength(3);
    fake.last().succeed();
    await needsAConnect.lent;
    expect(serverStats(manager).circuit).toBe("closed");
  });
});
