// The chat server, started as a process, leaves no MCP server process behind on SIGTERM (or SIGHUP), whether a stdio child is
// still connecting (it never answers initialize) or calls are running, and whether it closes gracefully (exit 0)
// or a second SIGTERM makes it exit at once (exit 1). Each child starts a grandchild that ignores SIGTERM (as
// npx starts npm, which starts node); both are found by a marker in their command line wherever their parent is:
// a process left behind would have parent 1.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { faultEntry } from "@mcp-pool/test-support/fault-suite";
import { markedProcesses, uniqueMarker, waitFor } from "@mcp-pool/test-support/processes";
import { afterEach, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";

let started: ServerProcess | undefined;
let dir: string | undefined;
let marked: string | undefined;
afterEach(async () => {
  await started?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  // A test that failed may have left what it asserts is gone: end it, by pid.
  for (const { pid } of marked ? markedProcesses(marked) : []) process.kill(pid, "SIGKILL");
  marked = undefined;
});

/** The server process over one fault server started with `flags` and a marker; it exits on its own later. */
async function serverWith(flags: string[], entry: object, graceMs: number) {
  const marker = uniqueMarker("sigterm");
  marked = marker;
  dir = mkdtempSync(join(tmpdir(), "mcp-pool-orphans-"));
  const config = join(dir, "mcp.json");
  const mcpServers = { fault: faultEntry([...flags, "--grandchild", "--marker", marker], entry) };
  writeFileSync(config, JSON.stringify({ mcpServers }));
  const server = await startServerProcess({ PORT: "0", MCP_CONFIG: config, SHUTDOWN_GRACE_MS: String(graceMs) });
  started = server;
  const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
  return { server, marker, exited };
}

/**
 * `count` users each ask `call` (%i: the user's number); resolves once `processes` marked processes run and,
 * unless a child is still connecting (no catalog yet, so no tool_call frame), every call is under way.
 */
async function callsUnderWay(server: ServerProcess, marker: string, call: string, count: number, processes: number) {
  const clients = await Promise.all(Array.from({ length: count }, () => ChatClient.open(server.url)));
  const turns = clients.map((client, i) => client.ask("c1", call.replace("%i", String(i))));
  if (!call.includes("fault__echo")) await Promise.all(clients.map((client) => client.until((frame) => frame.type === "tool_call")));
  await waitFor(() => markedProcesses(marker).length >= processes, { timeoutMs: 15_000, what: `${processes} marked processes` });
  return turns;
}

describe("SIGTERM of the chat server", () => {
  it("while a stdio child is connecting: exits 0 and its child and grandchild are gone by then", async () => {
    const { server, marker, exited } = await serverWith(["--hang-at-initialize"], { connectTimeoutMs: 60_000, killTimeoutMs: 500 }, 2_000);
    const turns = await callsUnderWay(server, marker, '/call fault__echo {"text":"%i"}', 1, 2);
    server.child.kill("SIGTERM");
    expect((await turns[0])?.at(-1)).toMatchObject({ type: "error" });
    expect(await exited).toBe(0);
    expect(markedProcesses(marker)).toEqual([]);
  });

  it("while calls run: lets them finish, exits 0, and every child and grandchild is gone by then", async () => {
    const { server, marker, exited } = await serverWith(
      [],
      { pool: { maxConnections: 2, maxCallsPerConnection: 2 }, killTimeoutMs: 500 },
      10_000,
    );
    const turns = await callsUnderWay(server, marker, '/call fault__slow_read {"ms":1500,"text":"u%i"}', 4, 4);
    server.child.kill("SIGTERM");
    for (const [i, frames] of (await Promise.all(turns)).entries())
      expect(frames.at(-1)).toMatchObject({ type: "answer", text: `slow:u${i}` });
    expect(await exited).toBe(0);
    expect(markedProcesses(marker)).toEqual([]);
  });

  it("SIGHUP (the terminal closed) instead: the same graceful close, exit 0, no child or grandchild left", async () => {
    const { server, marker, exited } = await serverWith([], { killTimeoutMs: 500 }, 10_000);
    const turns = await callsUnderWay(server, marker, '/call fault__slow_read {"ms":1000,"text":"u%i"}', 2, 2);
    server.child.kill("SIGHUP");
    for (const [i, frames] of (await Promise.all(turns)).entries())
      expect(frames.at(-1)).toMatchObject({ type: "answer", text: `slow:u${i}` });
    expect(await exited).toBe(0);
    expect(server.logs).toContainEqual(expect.objectContaining({ msg: "closing on signal", signal: "SIGHUP" }));
    expect(markedProcesses(marker)).toEqual([]);
  });

  for (const [what, flags, call] of [
    ["while calls run", [], '/call fault__slow_read {"ms":60000,"text":"u%i"}'],
    ["while a stdio child is connecting", ["--hang-at-initialize"], '/call fault__echo {"text":"%i"}'],
  ] as const) {
    it(`twice ${what}: exits 1 at once, and no child or grandchild outlives it`, async () => {
      const { server, marker, exited } = await serverWith([...flags], { pool: { maxConnections: 2 }, connectTimeoutMs: 60_000 }, 60_000);
      const turns = await callsUnderWay(server, marker, call, 2, 2);
      // Their sockets close with the process, before any answer.
      for (const turn of turns) turn.catch(() => undefined);
      server.child.kill("SIGTERM");
      await waitFor(() => server.logs.some((line) => line["msg"] === "closing on signal"), { what: "the first signal to land" });
      server.child.kill("SIGTERM");
      expect(await exited).toBe(1);
      // SIGKILLed on the way out (a signal's delivery takes a moment): none is left, with parent 1 or any other.
      await waitFor(() => markedProcesses(marker).length === 0, { timeoutMs: 2_000, what: "the MCP processes to be gone" });
    });
  }
});
