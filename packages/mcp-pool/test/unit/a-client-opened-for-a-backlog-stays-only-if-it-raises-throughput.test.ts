// A shared pool that opens a client for a backlog (once it has lasted a second and calls end at a rate that
// no longer rises) keeps it only if calls then end faster, and after one that did, opens the next trial's
// clients as many at once as carry calls: against a server
// that ends calls at the same rate however many clients send them (a saturated child or machine), the second
// client is retired once its calls end, a warning says why, and no other opens for 30 s although callers
// still wait; against a server whose rate grows with its clients, the pool grows to maxConnections. A backlog
// is kept up by callers who call again as soon as they are answered (withClient borrows, given back by the
// "server" below every 10 ms of fake time).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { describe, expect, it, vi } from "vitest";
import type { PooledMCPServerManager } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { type Borrowed, borrow, settle, useFakeManagers } from "../helpers/fake-manager.js";
import { serverStats } from "../helpers/manager.js";

const use = useFakeManagers();
const CALLERS = 30;
const TICK_MS = 10;

/** How many of its lent calls each client's server ends per tick. */
type Server = (lentPerClient: Map<Client, Borrowed[]>) => Borrowed[];

/** The same total per tick, whichever clients carry the calls. */
const saturated: Server = (lent) => [...lent.values()].flat().slice(0, 1);
/**
 * A server warming up, as a new child does: 1 call per tick in all for its first 800 ms, then 2, however
 * many clients send them.
 */
function warming(): Server {
  let ticks = 0;
  return (lent) => [...lent.values()].flat().slice(0, ++ticks <= 80 ? 1 : 2);
}
/** Warming up as above, then answering nothing from 1,050 ms on (it hung). */
function warmingThenHung(): Server {
  const warm = warming();
  let ticks = 0;
  return (lent) => (++ticks <= 105 ? warm(lent) : []);
}
/** One call per client per tick: more clients, more calls answered. */
const scalesWithClients: Server = (lent) => [...lent.values()].map((calls) => calls[0]!);
/** One call per client per tick up to two clients, the oldest calls first: a third or fourth adds nothing. */
const scalesToTwoClients: Server = (lent) => [...lent.values()].flat().slice(0, Math.min(lent.size, 2));

/**
 * A pool of up to `maxConnections` clients (2 calls each) under CALLERS callers calling again and again;
 * `run(ms)` lets `server` answer for that long. `warnings`: the manager's warnings.
 */
function backlogOn(server: Server, maxConnections = 3) {
  const fake = fakeConnections();
  const manager = use.manager(fake, { pool: { maxConnections, maxCallsPerConnection: 2, growAfterWaitMs: 100 } });
  const warnings: string[] = [];
  manager.on("warning", ({ message }) => warnings.push(message));
  return { fake, manager, warnings, verdicts: paidVerdicts(manager), run: backlog(manager, server) };
}

/** The pool's debug lines for trials that paid ("... raised throughput: r1 -> r2 calls/s with N -> M clients ..."). */
function paidVerdicts(manager: PooledMCPServerManager): string[] {
  const verdicts: string[] = [];
  manager.on("debug", ({ message, detail }) => {
    if (message.endsWith("raised throughput")) verdicts.push(`${message}: ${detail}`);
  });
  return verdicts;
}

/** CALLERS callers calling again and again; `run(ms)` lets `server` answer for that long. */
function backlog(manager: PooledMCPServerManager, server: Server) {
  let callers: Borrowed[] = [];
  const topUp = () => {
    while (callers.length < CALLERS) callers.push(borrow(manager));
  };
  topUp();
  return async (ms: number) => {
    for (let elapsed = 0; elapsed < ms; elapsed += TICK_MS) {
      await vi.advanceTimersByTimeAsync(TICK_MS);
      const lent = new Map<Client, Borrowed[]>();
      for (const caller of callers) if (caller.client) lent.set(caller.client, [...(lent.get(caller.client) ?? []), caller]);
      const answered = new Set(server(lent));
      for (const caller of answered) caller.giveBack();
      callers = callers.filter((caller) => !answered.has(caller));
      await settle();
      topUp();
    }
  };
}

describe("a client opened for a backlog", () => {
  it("is retired when calls end no faster with it, and no other opens for 30 s", async () => {
    const { fake, manager, warnings, run } = backlogOn(saturated);

    // Callers wait past growAfterWaitMs at once, but a trial waits for a second of backlog to compare with.
    await run(900);
    expect(fake.made).toHaveLength(1);
    await run(200);
    expect(fake.made).toHaveLength(2);
    // Its trial: its first calls' time (2 in flight at 100 calls/s: 20 ms), then a second measured.
    await run(1_100);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^a client opened for a backlog did not raise throughput \(\d+ -> \d+ calls\/s with 1 -> 2 clients under a backlog\): it closes once its calls end, and no other opens for a backlog for 30 s/,
      ),
    ]);
    await run(100);
    expect(fake.made[1]!.state).toBe("closed");
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 1, clientsDestroyed: 1 });

    await run(28_000);
    expect(serverStats(manager).waiting).toBeGreaterThan(0);
    expect(fake.made).toHaveLength(2);
    // The cooldown over, the backlog gets another trial.
    await run(2_000);
    expect(fake.made).toHaveLength(3);
  });

  it("waits while calls end ever faster (a server warming up), then is judged against the rate they reached", async () => {
    const { fake, warnings, run } = backlogOn(warming());

    // A flat rate gets its trial after a second of backlog; this one is still rising then.
    await run(1_600);
    expect(fake.made).toHaveLength(1);
    // Level for half a second each side: the trial, measured against 2 calls a tick, which it does not raise.
    await run(400);
    expect(fake.made).toHaveLength(2);
    await run(1_200);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^a client opened for a backlog did not raise throughput \(\d+ -> \d+ calls\/s with 1 -> 2 clients under a backlog\)/,
      ),
    ]);
  });

  it("is opened all the same when calls stop ending while their rate was rising (no call's end asks again)", async () => {
    const { fake, run } = backlogOn(warmingThenHung());

    await run(1_000);
    expect(fake.made).toHaveLength(1);
    // No call ends from 1,050 ms on; the pool asks again by itself once the rate no longer rises.
    await run(1_000);
    expect(fake.made).toHaveLength(2);
  });

  it("stays when calls end faster with it, and the pool grows to maxConnections", async () => {
    const { fake, manager, warnings, run } = backlogOn(scalesWithClients);

    await run(5_000);
    expect(fake.made).toHaveLength(3);
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "open", "open"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 3, clientsDestroyed: 0, callsInFlight: 6 });
    expect(warnings).toEqual([]);
  });

  it("that paid is followed by a trial of as many clients as carry calls, opened at once", async () => {
    const { fake, manager, warnings, verdicts, run } = backlogOn(scalesWithClients, 4);

    await run(1_100);
    expect(fake.made).toHaveLength(2);
    // Its trial paid at about 2 s: the next opens two clients together, not one and another a trial later.
    await run(1_100);
    expect(fake.made).toHaveLength(4);
    await run(1_500);
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "open", "open", "open"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 4, clientsDestroyed: 0, callsInFlight: 8 });
    expect(warnings).toEqual([]);
    expect(verdicts).toEqual([
      expect.stringMatching(/^a client opened for a backlog raised throughput: \d+ -> \d+ calls\/s with 1 -> 2 clients/),
      expect.stringMatching(/^2 clients opened for a backlog raised throughput: \d+ -> \d+ calls\/s with 2 -> 4 clients/),
    ]);
  });

  it("of several clients that did not pay retires them all, and the next trial, after the cooldown, opens one", async () => {
    const { fake, manager, warnings, run } = backlogOn(scalesToTwoClients, 4);

    await run(2_200);
    expect(fake.made).toHaveLength(4);
    await run(1_100);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^2 clients opened for a backlog did not raise throughput \(\d+ -> \d+ calls\/s with 2 -> 4 clients under a backlog\): they close once their calls end, and no other opens for a backlog for 30 s/,
      ),
    ]);
    await run(200);
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "open", "closed", "closed"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 2, clientsDestroyed: 2 });

    await run(31_000);
    expect(fake.made).toHaveLength(5);
  });
  it("of several clients, one of whose connects failed, is judged on those that connected, and connects nothing more", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake, { pool: { maxConnections: 4, maxCallsPerConnection: 2, growAfterWaitMs: 100 } });
    const warnings: string[] = [];
    manager.on("warning", ({ message }) => warnings.push(message));
    const verdicts = paidVerdicts(manager);
    const run = backlog(manager, scalesWithClients);
    await settle();
    fake.made[0]!.succeed();
    await run(1_100);
    fake.made[1]!.succeed();
    await run(1_100);
    expect(fake.made).toHaveLength(4);
    fake.made[2]!.succeed();
    fake.made[3]!.fail();
    await settle();
    // The failed connect is no idle client to be acquired (generic-pool would connect again for that, unasked).
    expect(fake.made).toHaveLength(4);
    // Judged on three clients against two (a gain it needs of a quarter, not a half): it stays. Three clients
    // answer every caller within growAfterWaitMs: no more growth.
    await run(1_200);
    expect(warnings).toEqual(["connect failed: fake connect failure"]);
    expect(verdicts.at(-1)).toMatch(/^a client opened for a backlog raised throughput: \d+ -> \d+ calls\/s with 2 -> 3 clients/);
    await run(1_000);
    expect(fake.made.map((connection) => connection.state)).toEqual(["open", "open", "open", "closed"]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 3, clientsDestroyed: 0, callsInFlight: 6 });
  });
});
