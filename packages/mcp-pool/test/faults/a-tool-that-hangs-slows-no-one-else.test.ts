// A tool that never answers, called by several users at once on a shared server: each hung call holds its
// slot until callTimeoutMs and then fails alone (tool_timeout; the client lives on). Meanwhile other users'
// calls to the same server, on the same clients, and to another server are answered about as fast as before
// (a baseline measured in the same test), and every read-only call made during it is answered (the pool has
// room for them all: a hung call costs its own slot, not anyone else's). No child is
// left and no warning printed. (hung-server-times-out-and-frees-its-slot covers the timeout itself.)
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids } from "@mcp-pool/test-support/processes";
import { describe, expect, it } from "vitest";
import { ToolCallTimeoutError, type PooledMCPServerManager } from "../../src/index.js";
import { rejectionOf, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const CALL_TIMEOUT_MS = 2_000;
const HUNG_CALLS = 8;
const READ_ONLY_CALLS = 32;
/** Two clients of 16 slots: the hung calls and the readers (4 sessions at maxCallsPerSession 4) leave room. */
const pool = { maxConnections: 2, maxCallsPerConnection: 16 };

function stats(manager: PooledMCPServerManager, server: string) {
  const found = manager.stats().servers.find((entry) => entry.server === server);
  if (!found) throw new Error(`no server ${server}`);
  return found;
}

/** One round of another user's calls: the faulty server's echo, and the other server's. */
async function otherUsersRound(manager: PooledMCPServerManager): Promise<number[]> {
  const same = await timed(async () =>
    expect(textOf(await manager.callTool("fault__echo", { text: "a" }, { sessionId: "b" }))).toBe("echo:a"),
  );
  const other = await timed(async () =>
    expect(textOf(await manager.callTool("other__echo", { text: "b" }, { sessionId: "b" }))).toBe("echo:b"),
  );
  return [same, other];
}

describe("a tool that hangs, called by several users at once", () => {
  it("fails those calls alone at callTimeoutMs while the others' calls, on the same clients too, go on", async () => {
    const manager = use.manager({
      fault: faultEntry([], { callTimeoutMs: CALL_TIMEOUT_MS, pool }),
      other: faultEntry(),
    });
    await otherUsersRound(manager); // both servers up

    const baseline: number[] = [];
    for (let i = 0; i < 5; i += 1) baseline.push(...(await otherUsersRound(manager)));

    const startedAt = Date.now();
    const hung = Array.from({ length: HUNG_CALLS }, (_, i) =>
      rejectionOf(manager.callTool("fault__hang", {}, { sessionId: `hanger-${i}` })),
    );
    const reads = Array.from({ length: READ_ONLY_CALLS }, (_, i) =>
      manager.callTool("fault__slow_read", { ms: 50, text: `r${i}` }, { sessionId: `reader-${i % 4}` }).then(textOf),
    );
    const settledReads = Promise.allSettled(reads);
    const during: number[] = [];
    while (Date.now() - startedAt < CALL_TIMEOUT_MS - 300) during.push(...(await otherUsersRound(manager)));

    const outcomes = (await settledReads).map((outcome) => (outcome.status === "fulfilled" ? outcome.value : outcome.reason));
    expect(outcomes).toEqual(Array.from({ length: READ_ONLY_CALLS }, (_, i) => `slow:r${i}`));
    for (const error of await Promise.all(hung)) {
      expect(error).toBeInstanceOf(ToolCallTimeoutError);
      expect(error).toMatchObject({ code: "tool_timeout", server: "fault" });
    }
    answeredAsFast(baseline, during);
    // The hung calls cost their own slots only: no client was lost, nothing waits, nothing is in flight.
    expect(stats(manager, "fault")).toMatchObject({
      clientsDestroyed: 0,
      callsInFlight: 0,
      waiting: 0,
      callsFailed: { tool_timeout: HUNG_CALLS },
    });
    expect(stats(manager, "other").callsFailed).toEqual({});

    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
