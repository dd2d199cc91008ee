// A crash blip: every child of a shared pool is SIGKILLed mid-run, then every replacement as it starts (the server
// takes 300 ms to start, so each is caught connecting), until their failed connects have opened the circuit with
// no connect left in progress: the moment at which every caller waiting for a slot used to fail with
// server_unavailable, although the server is back a second later. Now the callers waiting (their
// acquireTimeoutMs is far later than the circuit's next attempt) wait for its probe, and the read-only calls that
// were in flight are retried once. 1,000 read-only calls with 64 in flight: none lost, children never above
// maxConnections, another user's calls answered as fast as under the same load before the blip, no child left,
// no warning.
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { serverStats, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const MAX_CONNECTIONS = 4;
const CALLS = 1_000;
/** Only the lab server is started with it (a 300 ms start, long enough to be caught starting). */
const LAB_FLAG = "--start-delay-ms";

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

describe("every child of a shared pool SIGKILLed, then every replacement until the circuit opens", () => {
  it("loses none of 1,000 read-only calls, with 64 in flight and never more than maxConnections children", async () => {
    const manager = use.manager({
      lab: faultEntry([LAB_FLAG, "300"], {
        // growAfterWaitMs 0: all four children open at once for the backlog. Under the default they open after
        // growth trials (a second of backlog, then a second measured each): the fourth about 5 s in on an idle
        // machine, with about half of the 1,000 calls answered, and on one busy with the rest of the suite the
        // calls could all end first. Growth is not what this test is about.
        pool: {
          maxConnections: MAX_CONNECTIONS,
          maxCallsPerConnection: 16,
          maxWaiting: CALLS,
          acquireTimeoutMs: 60_000,
          growAfterWaitMs: 0,
        },
      }),
      other: faultEntry(),
    });
    const otherEcho = () => manager.callTool("other__echo", { text: "x" }, { sessionId: "another-user" });
    await otherEcho();
    // The lab's children are the ones started with its flags.
    const labChildren = () => descendantPids().filter((pid) => commandLine(pid).includes(LAB_FLAG));

    let mostChildren = 0;
    const circuitStates = new Set<string>();
    const sampler = setInterval(() => {
      mostChildren = Math.max(mostChildren, labChildren().length);
      circuitStates.add(serverStats(manager).circuit);
    }, 10);
    const calls = Array.from({ length: CALLS }, (_, i) =>
      manager.callTool("lab__slow_read", { ms: 200, text: `call-${i}` }, { sessionId: `user-${i % 100}` }).then(textOf),
    );
    // Settled at once so that a failed assertion below reports itself, not 1,000 rejections after close().
    const settled = Promise.allSettled(calls);
    const baseline: number[] = [];
    const during: number[] = [];
    try {
      await waitFor(() => serverStats(manager).clientsCreated === MAX_CONNECTIONS && serverStats(manager).callsInFlight === 64, {
        timeoutMs: 30_000,
        intervalMs: 5,
        what: "four children carrying 64 calls",
      });
      // The other user's calls under the same load, before the blip.
      for (let i = 0; i < 5; i += 1) baseline.push(await timed(otherEcho));
      const firstWave = labChildren();
      expect(firstWave).toHaveLength(MAX_CONNECTIONS);
      const killed = new Set(firstWave);
      const startedAt = Date.now();
      for (const pid of firstWave) process.kill(pid, "SIGKILL");
      // The second wave: each replacement as soon as it exists, while it connects, until the circuit is open
      // and no connect is in progress.
      let secondWave = 0;
      while (serverStats(manager).circuit !== "open" || labChildren().some((pid) => !killed.has(pid))) {
        expect(Date.now() - startedAt, "connects went on although the circuit was open").toBeLessThan(20_000);
        for (const pid of labChildren()) {
          if (killed.has(pid)) continue;
          killed.add(pid);
          process.kill(pid, "SIGKILL");
          secondWave += 1;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      // How many replacements were started before the circuit opened depends on which of the first wave had
      // answered a call (those do not count toward it); at least one was caught connecting.
      expect(secondWave).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 5; i += 1) during.push(await timed(otherEcho));

      const texts = (await settled).map((outcome) => (outcome.status === "fulfilled" ? outcome.value : outcome.reason));
      expect(texts).toEqual(Array.from({ length: CALLS }, (_, i) => `slow:call-${i}`));
    } finally {
      clearInterval(sampler);
    }

    const stats = serverStats(manager);
    expect(stats).toMatchObject({ callsOk: CALLS, callsFailed: {}, callsInFlight: 0, waiting: 0 });
    expect(mostChildren).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(circuitStates).toContain("open"); // the blip opened it, and nobody waiting failed for that
    answeredAsFast(baseline, during);
    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
