// A server in a crash loop: every process connects, then exits before it answers a call. Its clients ending
// early count toward its circuit, so it is started a bounded number of times (its failureThreshold, then one
// probe per backoff), not once per call; its callers get a typed error (connection_lost or server_unavailable)
// without waiting for a connect timeout, and listings report it. Meanwhile another user's listings and calls
// to a healthy server are answered about as fast as in a pool without it (timed in turn, same run), none is
// lost; no child is left, no warning printed.
import { answeredAsFast, faultEntry, startCounter, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids } from "@mcp-pool/test-support/processes";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { McpPoolError, type PooledMCPServerManager } from "../../src/index.js";
import { rejectionOf, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const RUN_MS = 5_000;
const circuit = { failureThreshold: 3, baseBackoffMs: 500, maxBackoffMs: 1_000 };
const CONNECT_TIMEOUT_MS = 10_000;

/** Another user's turn: list the tools, call the healthy server. */
async function otherUser(manager: PooledMCPServerManager): Promise<void> {
  const { tools } = await manager.listTools({ sessionId: "other-user" });
  expect(tools.map((tool) => tool.name)).toContain("ok__echo");
  expect(textOf(await manager.callTool("ok__echo", { text: "hi" }, { sessionId: "other-user" }))).toBe("echo:hi");
}

describe("a server in a crash loop beside a healthy one", () => {
  it("is started a bounded number of times, fails its callers fast, and slows no one else", async () => {
    const starts = startCounter();
    const without = use.manager({ ok: faultEntry() });
    const faulty = use.manager({
      ok: faultEntry(),
      looping: faultEntry(["--exit-after-ready-ms", "0", "--pid-file", starts.path], {
        circuit,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      }),
    });
    await otherUser(without);
    await otherUser(faulty); // the first listing waits for the looping server's first load, which fails

    // One user calls the looping server over and over, while another user's turns are timed in a pool
    // without it and in this one, in turn (the machine's load, the crashing children's included, in both).
    let running = true;
    const loopingErrors = new Set<string>();
    let slowest = 0;
    const loopingUser = (async () => {
      while (running) {
        const startedAt = Date.now();
        const error = await rejectionOf(faulty.callTool("looping__echo", { text: "x" }, { sessionId: "looping-user" }));
        slowest = Math.max(slowest, Date.now() - startedAt);
        loopingErrors.add(error instanceof McpPoolError ? error.code : String(error));
        await sleep(20);
      }
    })();
    const baseline: number[] = [];
    const during: number[] = [];
    const until = Date.now() + RUN_MS;
    try {
      while (Date.now() < until) {
        baseline.push(await timed(() => otherUser(without)));
        during.push(await timed(() => otherUser(faulty)));
        await sleep(20);
      }
    } finally {
      running = false;
      await loopingUser;
    }

    // Without the circuit every call would start a process or two; with it: the threshold, then one per backoff.
    const probes = Math.ceil(RUN_MS / circuit.baseBackoffMs);
    expect(starts()).toBeLessThanOrEqual(circuit.failureThreshold + probes + 2);
    expect([...loopingErrors].sort()).toEqual(expect.arrayContaining(["server_unavailable"]));
    // Each caller waits for the circuit's next attempt, which is made for it: never its acquireTimeoutMs (30 s).
    const typed = ["connection_lost", "server_unavailable"];
    expect([...loopingErrors].every((code) => typed.includes(code))).toBe(true);
    // Nor a connect timeout: the next attempt (maxBackoffMs away at most) and a start that ends at once.
    expect(slowest).toBeLessThan(CONNECT_TIMEOUT_MS);
    expect((await faulty.listTools()).unavailable.map((entry) => entry.server)).toEqual(["looping"]);
    answeredAsFast(baseline, during);
    expect(faulty.stats().servers.find((entry) => entry.server === "ok")?.callsFailed).toEqual({});

    await Promise.all([without.close(), faulty.close()]);
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
