// manager.probe(server): a live client answering ping (taking no slot, so a pool whose every slot is busy is
// still ready), else a connect made for it; a short reason when no client can be had (connect_failed,
// circuit_open without waiting for the circuit's next attempt, timeout), never a throw for the server's state.
import { describe, expect, it, vi } from "vitest";
import { fakeConnections } from "../helpers/fake-connections.js";
import { borrow, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { serverStats } from "../helpers/manager.js";

const use = useFakeManagers();

describe("manager.probe()", () => {
  it("connects a server nobody has called, then pings its live client without taking a slot", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { maxConnections: 1, maxCallsPerConnection: 1 } });
    expect(await manager.probe("fake")).toMatchObject({ server: "fake", ok: true });
    expect(fake.made).toHaveLength(1);

    const busy = borrow(manager);
    await busy.lent;
    const waiting = borrow(manager);
    await settle();
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 1, waiting: 1 });
    expect(await manager.probe("fake")).toMatchObject({ ok: true });
    expect(fake.made).toHaveLength(1);
    busy.giveBack();
    await waiting.lent;
    waiting.giveBack();
  });

  it("says connect_failed, then circuit_open at once, and never throws for the server's state", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { circuit: { failureThreshold: 2, baseBackoffMs: 1_000, maxBackoffMs: 1_000 } });
    for (const reason of ["connect_failed", "circuit_open"]) {
      const probing = manager.probe("fake");
      await settle();
      fake.last().fail(new Error("spawn ENOENT"));
      const failed = await probing;
      expect(failed).toMatchObject({ ok: false, reason, error: { code: "server_unavailable" } });
      // The details are for a log, not for the reason.
      expect(failed.ok === false && failed.error.message).toContain("spawn ENOENT");
    }
    // Open: at once, connecting nothing, without waiting for the next attempt.
    expect(await manager.probe("fake")).toMatchObject({ ok: false, reason: "circuit_open", retryAt: Date.now() + 1_000 });
    expect(fake.made).toHaveLength(2);
  });

  it("says timeout when no client answers within timeoutMs, and leaves the connect to go on", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake);
    const probing = manager.probe("fake", { timeoutMs: 500 });
    await settle();
    await vi.advanceTimersByTimeAsync(500);
    expect(await probing).toMatchObject({ ok: false, reason: "timeout", durationMs: 500 });
    fake.last().succeed();
    await settle();
    expect(await manager.probe("fake")).toMatchObject({ ok: true });
    expect(fake.made).toHaveLength(1);
  });
});
