// A child killed with SIGKILL in the middle of 1,000 read-only calls: the calls it carried are retried once
// on another client (the tool is readOnlyHint), a new child takes the dead one's place, every caller gets its
// own answer and nothing is left counted. The surviving children are frozen (SIGSTOP) around the kill, so
// the queue cannot drain before the pool notices the death: the replacement is needed whatever the load.
import { describe, expect, it } from "vitest";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, isAlive, waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

describe("a shared pool whose child is killed mid-run", () => {
  it("loses none of 1,000 read-only calls, replaces the child and settles back to 0 in flight and waiting", async () => {
    const manager = use.manager({
      // growAfterWaitMs 0: the three children open at once, not after growth trials of about 2 s each (on a busy
      // machine the calls could all end before the third opened; growth is not what this test is about).
      lab: labStdioEntry({
        pool: { maxConnections: 3, maxCallsPerConnection: 8, maxWaiting: 1_000, acquireTimeoutMs: 60_000, growAfterWaitMs: 0 },
      }),
    });
    const destroyed: string[] = [];
    manager.on("clientDestroyed", (event) => destroyed.push(event.reason));
    // 50 ms per call: 24 slots need 2 s for 1,000 calls, so callers still wait once all three children run.
    const calls = Array.from({ length: 1_000 }, (_, i) => manager.callTool("lab__slow_read", { ms: 50, text: `call-${i}` }).then(textOf));

    await waitFor(() => serverStats(manager).clientsCreated === 3, { timeoutMs: 20_000, what: "three children" });
    const children = descendantPids();
    expect(children).toHaveLength(3);
    for (const pid of children) process.kill(pid, "SIGSTOP");
    const [victim, ...survivors] = children as [number, ...number[]];
    try {
      // Frozen, nothing completes: calls wait, and the pool's clients are all busy.
      expect(serverStats(manager).waiting).toBeGreaterThan(0);
      expect(serverStats(manager).callsInFlight).toBeGreaterThan(0);
      process.kill(victim, "SIGKILL");
      // The dead child's calls and the waiters need a client the survivors cannot give: a new one.
      await waitFor(() => serverStats(manager).clientsCreated === 4, { timeoutMs: 20_000, what: "a replacement child" });
    } finally {
      for (const pid of survivors) process.kill(pid, "SIGCONT");
    }

    const texts = await Promise.all(calls);
    for (const [i, text] of texts.entries()) expect(text).toBe(`slow:call-${i}`);

    const stats = serverStats(manager);
    expect(stats).toMatchObject({ callsOk: 1_000, callsFailed: {}, callsInFlight: 0, waiting: 0, clientsCreated: 4 });
    expect(stats.clientsDestroyed).toBe(1);
    expect(destroyed).toEqual(["connection lost"]);
    expect(isAlive(victim)).toBe(false);
    const now = descendantPids();
    expect(now).not.toContain(victim);
    expect(now.some((pid) => !children.includes(pid))).toBe(true);
    expect(now.length).toBeLessThanOrEqual(3);
  });
});
