// A tool that never answers times out after callTimeoutMs (not the SDK's 60 s), tells the server with
// notifications/cancelled and gives its slot back at once. A tool that reports progress keeps its call alive
// past callTimeoutMs, up to maxTotalTimeoutMs, when its progress is asked for: the caller listens (onProgress)
// or the server sets resetTimeoutOnProgress.
import { describe, expect, it } from "vitest";
import { ToolCallTimeoutError, type PooledMCPServerManager, type ProgressUpdate } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, serverStats, textOf, useManagers } from "./helpers/manager.js";
import { waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

/** One client with one slot: a call that kept its slot would block every other. */
function oneSlotLab(limits: {
  callTimeoutMs: number;
  maxTotalTimeoutMs?: number;
  resetTimeoutOnProgress?: boolean;
}): PooledMCPServerManager {
  return use.manager({ lab: labStdioEntry({ ...limits, pool: { maxConnections: 1, maxCallsPerConnection: 1 } }) });
}

async function cancellationsSeen(manager: PooledMCPServerManager): Promise<number> {
  return Number(textOf(await manager.callTool("lab__cancellations")));
}

describe("a hung tool", () => {
  it("times out after callTimeoutMs, frees its slot at once and cancels the call on the server", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 300 });
    expect(await cancellationsSeen(manager)).toBe(0);

    const startedAt = Date.now();
    const error = await rejectionOf(
      manager.callTool("lab__hang").finally(() => {
        // The slot is back by the time the caller hears of it.
        expect(serverStats(manager).callsInFlight).toBe(0);
      }),
    );
    const elapsed = Date.now() - startedAt;
    expect(error).toBeInstanceOf(ToolCallTimeoutError);
    expect(error).toMatchObject({ code: "tool_timeout", timeoutMs: 300, server: "lab" });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
    expect(await cancellationsSeen(manager)).toBe(1);
    // The client was fine: the timeout ended the call, not the connection.
    expect(serverStats(manager)).toMatchObject({
      clientsCreated: 1,
      clientsDestroyed: 0,
      callsInFlight: 0,
      waiting: 0,
      callsFailed: { tool_timeout: 1 },
    });
  });

  it("lets the call queued behind it run on the only slot", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 300 });
    await manager.callTool("lab__echo", { text: "warm" });
    const hung = manager.callTool("lab__hang");
    const queued = manager.callTool("lab__echo", { text: "next" });
    await waitFor(() => serverStats(manager).waiting === 1, { what: "the echo to wait for the slot" });
    await expect(hung).rejects.toBeInstanceOf(ToolCallTimeoutError);
    expect(textOf(await queued)).toBe("echo:next");
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, waiting: 0, clientsCreated: 1 });
  });

  it("honours a per-call timeoutMs", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 30_000 });
    await manager.callTool("lab__echo", { text: "connected" }); // the connect is not the call's time
    const startedAt = Date.now();
    await expect(manager.callTool("lab__hang", {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: "tool_timeout" });
    // Its own 200 ms, not the server's 30 s (with room for a loaded machine).
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(textOf(await manager.callTool("lab__echo", { text: "still here" }))).toBe("echo:still here");
  });
});

describe("a tool that reports progress", () => {
  it("outlives callTimeoutMs because each progress notification resets it", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 400, maxTotalTimeoutMs: 5_000 });
    const updates: ProgressUpdate[] = [];
    const startedAt = Date.now();
    const result = await manager.callTool("lab__progress", { steps: 8, intervalMs: 100 }, { onProgress: (update) => updates.push(update) });
    expect(textOf(result)).toBe("done:8");
    expect(Date.now() - startedAt).toBeGreaterThan(400);
    expect(updates.map((update) => update.progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(updates[0]).toMatchObject({ total: 8, message: "step 1" });
  });

  it("is still cut off at maxTotalTimeoutMs, and the server is told to stop", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 400, maxTotalTimeoutMs: 1_000 });
    await manager.listTools(); // the child is up: the clock below times the call, not the start
    let progressSeen = 0;
    const startedAt = Date.now();
    const error = await rejectionOf(
      manager.callTool("lab__progress", { steps: 50, intervalMs: 100 }, { onProgress: () => (progressSeen += 1) }),
    );
    const elapsed = Date.now() - startedAt;
    expect(error).toBeInstanceOf(ToolCallTimeoutError);
    expect(error).toMatchObject({ code: "tool_timeout", timeoutMs: 1_000 });
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(4_000);
    expect(progressSeen).toBeGreaterThan(4); // it was alive past callTimeoutMs
    expect(await cancellationsSeen(manager)).toBe(1);
    expect(serverStats(manager)).toMatchObject({ callsInFlight: 0, clientsCreated: 1 });
  });

  it("outlives callTimeoutMs without an onProgress when the server sets resetTimeoutOnProgress", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 400, maxTotalTimeoutMs: 5_000, resetTimeoutOnProgress: true });
    const startedAt = Date.now();
    expect(textOf(await manager.callTool("lab__progress", { steps: 8, intervalMs: 100 }))).toBe("done:8");
    expect(Date.now() - startedAt).toBeGreaterThan(400);
  });

  it("times out at callTimeoutMs when nobody asked for its progress (the default), and the server is told to stop", async () => {
    const manager = oneSlotLab({ callTimeoutMs: 400, maxTotalTimeoutMs: 5_000 });
    await manager.listTools(); // the child is up: the clock below times the call, not the start
    const startedAt = Date.now();
    const error = await rejectionOf(manager.callTool("lab__progress", { steps: 50, intervalMs: 100 }));
    expect(error).toMatchObject({ code: "tool_timeout", timeoutMs: 400 });
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    expect(await cancellationsSeen(manager)).toBe(1);
  });
});
