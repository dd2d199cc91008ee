// A child killed with SIGKILL in the middle of 1,000 read-only calls: the calls it carried are retried once
// on another client (the tool is readOnlyHint), so every caller gets its own answer and nothing is left counted.
import { describe, expect, it } from "vitest";
import { labStdioEntry } from "./helpers/fixture-servers.js";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, isAlive, waitFor } from "./helpers/processes.js";

const use = useManagers();

describe("a shared pool whose child is killed mid-run", () => {
  it("loses none of 1,000 read-only calls and settles back to 0 in flight and waiting", async () => {
    const manager = use.manager({
      lab: labStdioEntry({ pool: { maxConnections: 3, maxCallsPerConnection: 8, maxWaiting: 1_000 } }),
    });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(event.reason));
    let done = 0;
    const calls = Array.from({ length: 1_000 }, (_, i) =>
      manager.callTool("lab__slow_read", { ms: 3, text: `call-${i}` }).then((result) => {
        done += 1;
        return textOf(result);
      }),
    );

    // Kill once the pool is busy on all its children, with most calls still to come.
    await waitFor(() => done >= 100 && descendantPids().length === 3, {
      timeoutMs: 20_000,
      intervalMs: 1,
      what: "three busy children",
    });
    const children = descendantPids();
    expect(serverStats(manager).callsInFlight).toBeGreaterThan(0);
    const victim = children[0]!;
    process.kill(victim, "SIGKILL");

    const texts = await Promise.all(calls);
    texts.forEach((text, i) => expect(text).toBe(`slow:call-${i}`));

    const stats = serverStats(manager);
    expect(stats).toMatchObject({ callsOk: 1_000, callsFailed: {}, callsInFlight: 0, waiting: 0 });
    expect(stats.clientsDestroyed).toBeGreaterThanOrEqual(1);
    expect(destroyed).toContain("connection lost");
    // A new child took the dead one's place; the pool never went above its bound.
    expect(stats.clientsCreated).toBeGreaterThanOrEqual(4);
    expect(isAlive(victim)).toBe(false);
    const now = descendantPids();
    expect(now).not.toContain(victim);
    expect(now.some((pid) => !children.includes(pid))).toBe(true);
    expect(now.length).toBeLessThanOrEqual(3);
  });
});
