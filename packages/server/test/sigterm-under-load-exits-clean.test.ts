import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { descendantPids, isAlive, waitFor } from "@mcp-pool/test-support/processes";
import { ChatClient, handshakeStatus, loopbackAddress } from "./helpers/chat-client.js";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";
import { labEntry } from "./helpers/servers.js";

const USERS = 20;

describe("SIGTERM under load", () => {
  let started: ServerProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await started?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lets turns in flight finish, closes sockets with 1012 (reconnect), exits 0 and leaves no MCP process", async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-sigterm-"));
    const config = join(dir, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { lab: labEntry({ pool: { maxConnections: 2 } }) } }));
    const server = await startServerProcess({ PORT: "0", MCP_CONFIG: config, SHUTDOWN_GRACE_MS: "10000" });
    started = server;
    const child = server.child;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    const clients = await Promise.all(
      Array.from({ length: USERS }, (_, i) => ChatClient.open(server.url, { localAddress: loopbackAddress(i) })),
    );
    const turns = clients.map((c, i) => c.ask("c1", `/call lab__slow_read {"ms":1500,"text":"u${i}"}`));
    await Promise.all(clients.map((c) => c.until((f) => f.type === "tool_call")));
    const mcpProcesses = descendantPids(child.pid);
    expect(mcpProcesses.length).toBeGreaterThan(0);
    expect(mcpProcesses.length).toBeLessThanOrEqual(2);

    const latecomer = await ChatClient.open(server.url);
    child.kill("SIGTERM");
    // A question asked once the signal has landed is refused, while the turns in flight go on.
    const refused = await waitFor(
      async () => {
        const end = (await latecomer.ask("late", "/help")).at(-1);
        if (end?.type === "error") return end;
        await new Promise((r) => setTimeout(r, 200));
        return undefined;
      },
      { timeoutMs: 5000, what: "a question to be refused" },
    );
    expect(refused).toMatchObject({ code: "busy", message: expect.stringMatching(/shutting down/) });
    const ends = await Promise.all(turns);
    for (const [i, frames] of ends.entries()) expect(frames.at(-1)).toMatchObject({ type: "answer", text: `slow:u${i}` });
    for (const client of [...clients, latecomer]) expect(await client.closed).toEqual({ code: 1012, reason: "service restart" });

    expect(await exited).toBe(0);
    await waitFor(() => mcpProcesses.every((pid) => !isAlive(pid)), { timeoutMs: 5000, what: "the MCP processes to end" });
  });

  it("ends turns that outlive SHUTDOWN_GRACE_MS with an error frame, then exits 0", async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-sigterm-"));
    const config = join(dir, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { lab: labEntry() } }));
    const server = await startServerProcess({ PORT: "0", MCP_CONFIG: config, SHUTDOWN_GRACE_MS: "300" });
    started = server;
    const child = server.child;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    const client = await ChatClient.open(server.url);
    const turn = client.ask("c1", '/call lab__slow_read {"ms":60000,"text":"too long"}');
    await client.until((f) => f.type === "tool_call");
    const mcpProcesses = descendantPids(child.pid);
    child.kill("SIGTERM");

    expect((await turn).at(-1)).toMatchObject({ type: "error", code: "cancelled" });
    expect(await client.closed).toMatchObject({ code: 1012 });
    expect(await exited).toBe(0);
    await waitFor(() => mcpProcesses.every((pid) => !isAlive(pid)), { timeoutMs: 5000, what: "the MCP processes to end" });
  });

  it("answers new handshakes and /readyz with 503 from the moment the signal lands until the turns have drained", async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-sigterm-"));
    const config = join(dir, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { lab: labEntry() } }));
    const server = await startServerProcess({ PORT: "0", MCP_CONFIG: config, SHUTDOWN_GRACE_MS: "10000", READY_CACHE_MS: "0" });
    started = server;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const client = await ChatClient.open(server.url);
    const turn = client.ask("c1", '/call lab__slow_read {"ms":3000,"text":"draining"}');
    await client.until((f) => f.type === "tool_call");
    server.child.kill("SIGTERM");

    const readyz = await waitFor(
      async () => {
        const response = await fetch(`${server.url}/readyz`);
        return response.status === 503 ? response.json() : undefined;
      },
      { timeoutMs: 2000, what: "/readyz to say 503" },
    );
    expect(readyz).toMatchObject({ ready: false, reason: "closing" });
    expect((await handshakeStatus(server.url)).status).toBe(503);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "closing" });
    // All that while the turn in flight goes on to its answer.
    expect((await turn).at(-1)).toMatchObject({ type: "answer", text: "slow:draining" });
  });
});
