// close() refuses new calls, lets calls in flight finish within graceMs, fails the rest with
// ManagerClosedError, and ends every child process it started, shared or per session.
import { describe, expect, it } from "vitest";
import { ManagerClosedError, type PooledMCPServerManager } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();
const SESSIONS = ["s1", "s2", "s3"];

/** A shared lab server (one slot per client) and a per-session one, with a child for each session. */
async function managerWithChildren(): Promise<PooledMCPServerManager> {
  const manager = use.manager({
    shared: labStdioEntry({ pool: { maxConnections: 2, maxCallsPerConnection: 1 } }),
    mine: labStdioEntry({ sharing: "per-session" }),
  });
  await Promise.all([
    manager.callTool("shared__echo", { text: "warm" }),
    ...SESSIONS.map((sessionId) => manager.callTool("mine__increment", {}, { sessionId })),
  ]);
  expect(descendantPids().length).toBeGreaterThanOrEqual(1 + SESSIONS.length);
  return manager;
}

describe("close()", () => {
  it("ends every child process, shared and per session", async () => {
    const manager = await managerWithChildren();
    await manager.close({ graceMs: 0 });
    expect(descendantPids()).toEqual([]);
    expect(manager.stats().closed).toBe(true);
  });

  it("lets calls finish within graceMs and fails the rest, in flight or waiting, with ManagerClosedError", async () => {
    const manager = await managerWithChildren();
    // Every shared slot hangs, so the echo waits; per session, one call ends in time and one never does.
    const hung = [rejectionOf(manager.callTool("shared__hang")), rejectionOf(manager.callTool("shared__hang"))];
    const waiting = rejectionOf(manager.callTool("shared__echo", { text: "never served" }));
    const quick = manager.callTool("mine__slow_read", { ms: 200, text: "in time" }, { sessionId: "s2" });
    const perSessionHung = rejectionOf(manager.callTool("mine__hang", {}, { sessionId: "s1" }));
    await waitFor(() => manager.stats().servers[0]?.waiting === 1, { what: "a call waiting for a slot" });

    const closedAt = Date.now();
    await manager.close({ graceMs: 1_000 });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(990);
    expect(textOf(await quick)).toBe("slow:in time");
    for (const error of await Promise.all([...hung, waiting, perSessionHung])) {
      expect(error).toBeInstanceOf(ManagerClosedError);
      expect(error).toMatchObject({ code: "manager_closed" });
    }
    expect(descendantPids()).toEqual([]);
  });

  it("refuses calls afterwards with ManagerClosedError and may be called again", async () => {
    const manager = await managerWithChildren();
    const first = manager.close();
    const second = manager.close();
    await Promise.all([first, second]);
    await expect(manager.close()).resolves.toBeUndefined();

    for (const attempt of [
      () => manager.callTool("shared__echo", { text: "late" }),
      () => manager.callTool("mine__increment", {}, { sessionId: "s1" }),
      () => manager.listTools(),
      () => manager.withClient("shared", (client) => client.ping()),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(ManagerClosedError);
    }
    expect(descendantPids()).toEqual([]);
  });
});
