// A call that is not read-only nor idempotent, in flight on a child that dies, is never repeated: the caller
// gets ConnectionLostError with mayHaveRun, and the pool serves the next call on a fresh client.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ConnectionLostError, type PooledMCPServerManager } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, serverStats, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

async function childPid(manager: PooledMCPServerManager): Promise<number> {
  const who = JSON.parse(textOf(await manager.callTool("lab__whoami"))) as { pid: number };
  return who.pid;
}

async function expectLostMayHaveRun(call: Promise<unknown>): Promise<ConnectionLostError> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(ConnectionLostError);
  expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true, server: "lab" });
  return error as ConnectionLostError;
}

describe("a write in flight on a child that dies", () => {
  it("fails with ConnectionLostError mayHaveRun when the child is killed, and the next call gets a fresh client", async () => {
    const manager = use.manager({ lab: labStdioEntry() });
    const first = await childPid(manager);
    expect(descendantPids()).toEqual([first]);

    const write = manager.callTool("lab__slow_write", { ms: 2_000 });
    await waitFor(() => serverStats(manager).callsInFlight === 1, { what: "the write to be in flight" });
    await sleep(100); // the request has reached the child
    const startedAt = Date.now();
    process.kill(first, "SIGKILL");
    await expectLostMayHaveRun(write);
    expect(Date.now() - startedAt).toBeLessThan(1_500); // the death, not the tool's 2 s, ended the call
    // Not repeated: no second client was opened for it.
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, callsInFlight: 0, callsFailed: { connection_lost: 1 } });

    const second = await childPid(manager);
    expect(second).not.toBe(first);
    expect(serverStats(manager).clientsCreated).toBe(2);
    await waitFor(() => serverStats(manager).clientsDestroyed === 1, { what: "the dead client to be destroyed" });
    expect(descendantPids()).toEqual([second]);
  });

  it("fails with ConnectionLostError mayHaveRun when the tool itself crashes the child, and is not repeated", async () => {
    const manager = use.manager({ lab: labStdioEntry() });
    const first = await childPid(manager);

    await expectLostMayHaveRun(manager.callTool("lab__crash", { delayMs: 50 }));
    // A retry would have crashed a second child.
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, callsInFlight: 0, waiting: 0 });

    const result = await manager.callTool("lab__echo", { text: "after the crash" });
    expect(textOf(result)).toBe("echo:after the crash");
    expect(result.structuredContent?.["pid"]).not.toBe(first);
    expect(serverStats(manager).clientsCreated).toBe(2);
    await waitFor(() => serverStats(manager).clientsDestroyed === 1, { what: "the crashed client to be destroyed" });
  });
});
