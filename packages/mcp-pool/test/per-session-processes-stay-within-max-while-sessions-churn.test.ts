// maxConnections of a per-session server is a hard cap on its child processes at every moment, clients being
// closed included: with children slow to end (as browsers are), sessions that come, call, are released or idle
// out never have more than maxConnections server processes alive at once, read from /proc. Sessions wait for
// room instead, and none loses its state on the way.
import { describe, expect, it } from "vitest";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids } from "@mcp-pool/test-support/processes";

const use = useManagers();

describe("a per-session server at maxConnections while sessions churn", () => {
  it("never has more than maxConnections server processes alive, closing ones included", async () => {
    const pool = { maxConnections: 3, idleTimeoutMs: 300 };
    const manager = use.manager({ lab: labStdioEntry({ sharing: "per-session" as const, pool }, ["--exit-delay-ms", "300"]) });
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, descendantPids().length)), 5);
    try {
      await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const sessionId = `user-${i}`;
          for (const expected of ["1", "2"]) {
            expect(textOf(await manager.callTool("lab__increment", {}, { sessionId }))).toBe(expected);
          }
          // Half the users leave (released), the others go quiet (idled out).
          if (i % 2 === 0) await manager.releaseSession(sessionId);
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(3);
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 6, callsOk: 12 });
  });
});
