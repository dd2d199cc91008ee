import { describe, expect, it } from "vitest";
import { PoolBusyError, PoolTimeoutError, type PooledMCPServerManager } from "../src/index.js";
import { useManagers } from "./helpers/manager.js";
import { labStdioEntry } from "./helpers/fixture-servers.js";

const resources = useManagers();

/** One client carrying one call at a time, so the second caller must wait. */
function singleSlot(pool: Record<string, number>): PooledMCPServerManager {
  return resources.manager({ lab: labStdioEntry({ pool: { maxConnections: 1, maxCallsPerConnection: 1, ...pool } }) });
}

describe("waiting for a slot", () => {
  it("rejects at once with PoolBusyError when maxWaiting callers already wait", async () => {
    const manager = singleSlot({ maxWaiting: 2 });
    await manager.listTools();
    const holder = manager.callTool("lab__slow_read", { ms: 1_000, text: "holder" });
    const waiters = [1, 2].map((i) => manager.callTool("lab__slow_read", { ms: 1, text: `w${i}` }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(manager.stats().servers[0]).toMatchObject({ callsInFlight: 1, waiting: 2 });

    const startedAt = Date.now();
    const rejected = await manager.callTool("lab__echo", { text: "one too many" }).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(PoolBusyError);
    expect((rejected as PoolBusyError).code).toBe("pool_busy");
    expect(Date.now() - startedAt).toBeLessThan(500);

    // the ones that waited are served in order once the slot frees
    expect((await holder).content[0]?.text).toBe("slow:holder");
    expect((await Promise.all(waiters)).map((r) => r.content[0]?.text)).toEqual(["slow:w1", "slow:w2"]);
  });

  it("rejects with PoolTimeoutError after acquireTimeoutMs, and the wait leaves no trace", async () => {
    const manager = singleSlot({ acquireTimeoutMs: 200, minConnections: 1 });
    await manager.warmUp(); // so the 200 ms bound covers only the wait, not starting the server
    await manager.listTools();
    const holder = manager.callTool("lab__slow_read", { ms: 1_500, text: "holder" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await manager.callTool("lab__echo", { text: "late" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect((error as PoolTimeoutError).code).toBe("pool_timeout");
    expect(manager.stats().servers[0]!.waiting).toBe(0);
    await holder;
    expect(manager.stats().servers[0]).toMatchObject({ callsInFlight: 0, waiting: 0 });
    expect(manager.stats().servers[0]!.callsFailed).toEqual({ pool_timeout: 1 });
  });

  it("caps one session's calls in flight so other sessions still get through", async () => {
    const manager = resources.manager({
        lab: labStdioEntry({ maxCallsPerSession: 2, pool: { maxConnections: 1, maxCallsPerConnection: 4 } }),
      });
    await manager.listTools();
    const greedy = Array.from({ length: 6 }, (_, i) =>
      manager.callTool("lab__slow_read", { ms: 400, text: `greedy-${i}` }, { sessionId: "greedy" }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(manager.stats().servers[0]).toMatchObject({ callsInFlight: 2, waiting: 4 });

    // another user is not stuck behind the greedy one's queue
    const startedAt = Date.now();
    const polite = await manager.callTool("lab__echo", { text: "polite" }, { sessionId: "polite" });
    expect(polite.content[0]?.text).toBe("echo:polite");
    expect(Date.now() - startedAt).toBeLessThan(350);
    const results = await Promise.all(greedy);
    expect(results.map((r) => r.content[0]?.text)).toEqual(Array.from({ length: 6 }, (_, i) => `slow:greedy-${i}`));
  });
});
