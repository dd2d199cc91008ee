// Sessions share a client, not their cancels: aborting one session's call sends notifications/cancelled for
// that request only, rejects it at once and frees its slot; the other session's call on the same client goes on.
import { describe, expect, it } from "vitest";
import { CallCancelledError, type PooledMCPServerManager } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, serverStats, textOf, useManagers } from "./helpers/manager.js";
import { waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

/** One shared client: both sessions' calls ride on it. */
function oneClientLab(maxCallsPerConnection: number): PooledMCPServerManager {
  return use.manager({ lab: labStdioEntry({ pool: { maxConnections: 1, maxCallsPerConnection } }) });
}

async function cancellationsSeen(manager: PooledMCPServerManager): Promise<number> {
  return Number(textOf(await manager.callTool("lab__cancellations")));
}

describe("aborting a call", () => {
  it("rejects that call at once with CallCancelledError and leaves another session's call on the same client alone", async () => {
    const manager = oneClientLab(4);
    await manager.listTools(); // the child is up before the calls are timed
    const abortA = new AbortController();
    const callA = manager.callTool("lab__hang", {}, { sessionId: "A", signal: abortA.signal });
    const callB = manager.callTool("lab__slow_read", { ms: 800, text: "B" }, { sessionId: "B" });
    await waitFor(() => serverStats(manager).callsInFlight === 2, { what: "both calls in flight" });

    const abortedAt = Date.now();
    abortA.abort();
    const error = await rejectionOf(callA);
    expect(Date.now() - abortedAt).toBeLessThan(200);
    expect(error).toBeInstanceOf(CallCancelledError);
    expect(error).toMatchObject({ code: "call_cancelled", server: "lab" });
    // A's slot is free at once; B's call is still in flight.
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 1, clientsCreated: 1 });

    expect(textOf(await callB)).toBe("slow:B");
    expect(await cancellationsSeen(manager)).toBe(1);
    expect(serverStats(manager)).toMatchObject({
      clientsCreated: 1,
      clientsDestroyed: 0,
      callsInFlight: 0,
      callsFailed: { call_cancelled: 1 },
    });
  });

  it("while it waits for a slot removes it from the queue without touching the call that holds the slot", async () => {
    const manager = oneClientLab(1);
    await manager.callTool("lab__echo", { text: "warm" });
    const callB = manager.callTool("lab__slow_read", { ms: 500, text: "B" }, { sessionId: "B" });
    const abortA = new AbortController();
    const callA = manager.callTool("lab__echo", { text: "A" }, { sessionId: "A", signal: abortA.signal });
    await waitFor(() => serverStats(manager).waiting === 1, { what: "A to wait behind B" });

    abortA.abort();
    await expect(callA).rejects.toMatchObject({ code: "call_cancelled" });
    expect(serverStats(manager)).toMatchObject({ waiting: 0, callsInFlight: 1 });
    expect(textOf(await callB)).toBe("slow:B");
    // A never reached the server, so there was nothing to cancel there.
    expect(await cancellationsSeen(manager)).toBe(0);
  });

  it("with a signal already aborted fails as cancelled, not with the raw AbortError", async () => {
    const manager = oneClientLab(4);
    await manager.callTool("lab__echo", { text: "warm" });
    const aborted = AbortSignal.abort();
    await expect(manager.callTool("lab__slow_write", { ms: 10 }, { signal: aborted })).rejects.toMatchObject({
      code: "call_cancelled",
    });
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, waiting: 0 });
  });
});
