import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiStats, Readiness } from "../src/index.js";
import { ChatClient } from "./helpers/chat-client.js";
import { captureLogs } from "./helpers/log-capture.js";
import { everythingEntry, startChatServer, type TestServer } from "./helpers/servers.js";

describe("operations endpoints", () => {
  let server: TestServer;
  const { logger, lines: logLines } = captureLogs();

  beforeAll(async () => {
    server = await startChatServer({ everything: everythingEntry({ pool: { maxConnections: 2 } }) }, { logger, readyCacheMs: 0 });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("describes what it loaded for the start banner", () => {
    const banner = server.describe().join("\n");
    expect(banner).toContain(`chat page   ${server.url}/`);
    expect(banner).toContain("everything (stdio, shared, max 2 clients, 4 calls per session)");
    expect(banner).toContain("offline tool console");
    expect(banner).toContain("auth        off");
  });

  it("GET /healthz answers ok and GET /readyz is ready once the MCP server answers", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, servers: [{ server: "everything", ready: true }] });
  });

  it("GET /metrics and GET /api/stats report sockets, sessions, turns, tool calls and the pool", async () => {
    const clients = await Promise.all([ChatClient.open(server.url), ChatClient.open(server.url), ChatClient.open(server.url)]);
    await clients[0]!.ask("c1", '/call everything__echo {"message":"m"}');
    await clients[1]!.ask("c1", "/call everything__no-such-tool {}");

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const value = (line: string) =>
      Number(
        metrics
          .split("\n")
          .find((l) => l.startsWith(`${line} `))
          ?.split(" ")[1],
      );
    expect(value("mcp_pool_server_open_sockets")).toBe(3);
    expect(value("mcp_pool_server_users_online")).toBe(3);
    expect(value("mcp_pool_server_sessions")).toBe(2);
    expect(value('mcp_pool_server_turns_total{outcome="ok"}')).toBe(1);
    expect(value('mcp_pool_server_turn_duration_seconds_count{outcome="ok"}')).toBe(1);
    expect(value('mcp_pool_tool_calls_total{server="everything",outcome="ok"}')).toBe(1);
    expect(value('mcp_pool_tool_call_duration_seconds_count{server="everything",outcome="ok"}')).toBe(1);
    expect(value('mcp_pool_acquire_wait_seconds_count{server="everything"}')).toBe(1);
    expect(value('mcp_pool_clients_open{server="everything"}')).toBe(1);
    expect(value('mcp_pool_calls_in_flight{server="everything"}')).toBe(0);
    expect(value('mcp_pool_waiting{server="everything"}')).toBe(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(0);

    const stats = (await (await fetch(`${server.url}/api/stats`)).json()) as ApiStats;
    expect(stats).toMatchObject({ sockets: 3, users: 3, sessions: 2, mode: "console", turns: { ok: 1 } });
    expect(stats.pool.servers[0]).toMatchObject({ server: "everything", clientsOpen: 1, callsInFlight: 0, waiting: 0, callsOk: 1 });
    await Promise.all(clients.map((c) => c.close()));
  });

  it("logs JSON lines that carry the session and chat ids", async () => {
    const client = await ChatClient.open(server.url);
    await client.ask("log-chat", "/tools");
    const turnEnd = logLines.find((l) => l.msg === "turn ended" && l.chat_id === "log-chat");
    expect(turnEnd).toMatchObject({ session_id: client.ready.session_id, user_id: client.ready.user_id, outcome: "ok" });
    await client.close();
  });
});

describe("readiness with an MCP server that cannot start", () => {
  it("GET /readyz answers 503 naming the server with a short reason, not the stderr of one that exits at start", async () => {
    const server = await startChatServer(
      {
        broken: { command: "/nonexistent/mcp-server" },
        exits: { command: process.execPath, args: ["/nonexistent/mcp-server.js"] },
        everything: everythingEntry(),
      },
      { readyCacheMs: 0 },
    );
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as Readiness;
      expect(body.ready).toBe(false);
      expect(body.servers).toContainEqual({ server: "everything", ready: true });
      expect(body.servers).toContainEqual({ server: "broken", ready: false, reason: "connect_failed" });
      expect(body.servers).toContainEqual({ server: "exits", ready: false, reason: "connect_failed" });
      expect(JSON.stringify(body)).not.toContain("Cannot find module");
    } finally {
      await server.close({ graceMs: 500 });
    }
  });
});
