// An 11 MB result over the server's maxResultBytes (8 MiB by default) fails that call only, with
// ResultTooLargeError naming the size and the limit, and is never repeated; the 20 other calls in flight on the
// same client finish, the client stays (no connection lost, no new child), and another user's calls are
// answered as fast as before. Raised maxResultBytes lets the same result through.
import { describe, expect, it } from "vitest";
import { ResultTooLargeError } from "../../src/index.js";
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { rejectionOf, serverStats, textOf, useManagers } from "../helpers/manager.js";
import { descendantPids } from "@mcp-pool/test-support/processes";

const use = useManagers();
const warnings = watchWarnings();
const ELEVEN_MB = 11_000_000;

describe("a result over maxResultBytes", () => {
  it("fails its own call only, never repeated; the other calls on that client finish and another user's stay fast", async () => {
    const manager = use.manager({
      fault: faultEntry([], { pool: { maxConnections: 1, maxCallsPerConnection: 32 } }),
      other: faultEntry(),
    });
    const poolWarnings: string[] = [];
    manager.on("warning", (event) => poolWarnings.push(event.message));
    const echo = (server: string) => () => manager.callTool(`${server}__echo`, { text: "x" }, { sessionId: "other-user" });
    await Promise.all([echo("fault")(), echo("other")()]); // both connected
    const baseline: number[] = [];
    for (let i = 0; i < 10; i += 1) baseline.push(await timed(echo("other")));

    // 20 calls in flight on the one client, then the oversized answer among them.
    const neighbours = Array.from({ length: 20 }, (_, i) =>
      manager.callTool("fault__slow_read", { ms: 400, text: `n${i}` }, { sessionId: `user-${i}` }).then(textOf),
    );
    const big = rejectionOf(manager.callTool("fault__big", { bytes: ELEVEN_MB }, { sessionId: "big-user" }));
    const during: number[] = [];
    for (let i = 0; i < 5; i += 1) during.push(await timed(echo("other")));

    const error = await big;
    expect(error).toBeInstanceOf(ResultTooLargeError);
    expect(error).toMatchObject({ code: "result_too_large", server: "fault", tool: "big", limit: 8 * 1024 * 1024 });
    expect((error as ResultTooLargeError).bytes).toBeGreaterThan(ELEVEN_MB);
    expect((error as Error).message).toMatch(/answered \d+ bytes, over maxResultBytes \(8388608\)/);
    expect(await Promise.all(neighbours)).toEqual(Array.from({ length: 20 }, (_, i) => `slow:n${i}`));
    // This process reads the 11 MB (skipping it) while those calls run, so they share its event loop with it:
    // 5.7x the slowest sub-millisecond baseline call was seen on a busy machine. Buffering or parsing the
    // result would cost 100x and more; 10 keeps a margin below that.
    answeredAsFast(baseline, during, 10);

    const counts = JSON.parse(textOf(await manager.callTool("fault__counts"))) as { big: number };
    expect(counts.big).toBe(1); // not repeated, although big is read-only
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0 });
    expect(manager.stats().servers[0]?.callsFailed).toEqual({ result_too_large: 1 });
    expect(poolWarnings.some((message) => message.includes("over maxResultBytes (8388608), was skipped: the result of request"))).toBe(
      true,
    );

    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("lets it through when maxResultBytes is raised above it", async () => {
    const manager = use.manager({ fault: faultEntry([], { maxResultBytes: 16 * 1024 * 1024 }) });
    const result = await manager.callTool("fault__big", { bytes: ELEVEN_MB });
    expect(textOf(result)).toHaveLength(ELEVEN_MB);
    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
