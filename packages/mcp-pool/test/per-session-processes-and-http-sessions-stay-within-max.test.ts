// maxConnections of a per-session server is a hard cap on its child processes and HTTP sessions at every
// moment, clients being closed included. Sessions that come, call, are released or idle out never have more
// than maxConnections server processes alive at once (read from /proc, with children slow to end as browsers
// are), nor more than maxConnections HTTP sessions open on the server. Sessions wait for room instead, and
// none loses its state on the way.
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { labStats, labStdioEntry, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { descendantPids } from "@mcp-pool/test-support/processes";
import type { PooledMCPServerManager } from "../src/index.js";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";

const use = useManagers();
// Long enough that no session idles out between its own two calls on a loaded machine; the quiet users' slots
// then free up 2 s after their last call.
const pool = { maxConnections: 3, idleTimeoutMs: 2_000 };

/** Six users at once, two calls each (their state kept between them): half are released after, the others idle out. */
async function churn(manager: PooledMCPServerManager): Promise<void> {
  await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const sessionId = `user-${i}`;
      for (const expected of ["1", "2"]) {
        expect(textOf(await manager.callTool("lab__increment", {}, { sessionId }))).toBe(expected);
      }
      if (i % 2 === 0) await manager.releaseSession(sessionId);
    }),
  );
  expect(serverStats(manager).callsOk).toBe(12);
}

describe("a per-session server at maxConnections while sessions churn", () => {
  it("never has more than maxConnections server processes alive, closing ones included", async () => {
    const manager = use.manager({ lab: labStdioEntry({ sharing: "per-session" as const, pool }, ["--exit-delay-ms", "300"]) });
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, descendantPids().length);
    }, 5);
    try {
      await churn(manager);
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(3);
  });

  it("never has more than maxConnections HTTP sessions open on the server", async () => {
    const http = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: { url: http.url, sharing: "per-session", pool } });
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, (await labStats(http)).sessionsOpen);
        await delay(5);
      }
    })();
    try {
      await churn(manager);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(most).toBe(3);
  });
});
