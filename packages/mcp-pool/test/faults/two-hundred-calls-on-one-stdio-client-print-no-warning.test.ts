// 200 calls in flight at once on one stdio client (maxCallsPerConnection 200), each with 8 KB of arguments so
// that the child's stdin fills and writes wait for `drain` (the SDK's transport added a listener per waiting
// write: MaxListenersExceededWarning past 10): Node prints no warning, every call is answered, on one child, and
// another user's calls to another server stay as fast as before; no child is left after close().
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { describe, expect, it } from "vitest";
import { serverStats, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const CALLS = 200;
const PADDING = "p".repeat(8 * 1024);

describe(`${CALLS} concurrent calls on one stdio client`, () => {
  it("are all answered with no process warning", async () => {
    const manager = use.manager({
      busy: faultEntry([], { maxCallsPerSession: CALLS, pool: { maxConnections: 1, maxCallsPerConnection: CALLS, maxWaiting: CALLS } }),
      other: faultEntry(),
    });
    const otherEcho = () => manager.callTool("other__echo", { text: "x" }, { sessionId: "another-user" });
    await Promise.all([otherEcho(), manager.callTool("busy__echo", { text: "warm" })]);
    const baseline: number[] = [];
    for (let i = 0; i < 10; i += 1) baseline.push(await timed(otherEcho));

    const calls = Array.from({ length: CALLS }, (_, i) =>
      manager.callTool("busy__slow_read", { ms: 500, text: `${i}:${PADDING}` }, { sessionId: "one-user" }).then(textOf),
    );
    // Measured once every call is on the wire (this process's own writing of 1.6 MB is not the pool's doing),
    // while the writes still wait for the child to drain them and the 500 ms calls run.
    await waitFor(() => serverStats(manager).callsInFlight === CALLS, { timeoutMs: 10_000, intervalMs: 5, what: "every call in flight" });
    const during: number[] = [];
    for (let i = 0; i < 10; i += 1) during.push(await timed(otherEcho));
    const answers = await Promise.all(calls);

    expect(answers).toEqual(Array.from({ length: CALLS }, (_, i) => `slow:${i}:${PADDING}`));
    expect(manager.stats().servers.find((server) => server.server === "busy")).toMatchObject({ clientsCreated: 1, callsOk: CALLS + 1 });
    answeredAsFast(baseline, during);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(serverStats(manager).clientsOpen).toBe(0);
  });
});
