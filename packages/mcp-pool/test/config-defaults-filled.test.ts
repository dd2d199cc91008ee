import { describe, expect, test } from "vitest";
import { parseConfig } from "../src/config.js";

describe("parseConfig fills every default", () => {
  test("a bare stdio entry gets the documented defaults", () => {
    const config = parseConfig({ mcpServers: { files: { command: "npx", args: ["-y", "server-files"] } } });
    expect(config.servers).toEqual([
      {
        name: "files",
        type: "stdio",
        command: "npx",
        args: ["-y", "server-files"],
        env: {},
        cwd: undefined,
        sharing: "shared",
        pool: {
          minConnections: 0,
          maxConnections: 4,
          maxCallsPerConnection: 256,
          growAfterWaitMs: 100,
          maxWaiting: 1000,
          acquireTimeoutMs: 30_000,
          idleTimeoutMs: 300_000,
          validateAfterIdleMs: 30_000,
        },
        circuit: { failureThreshold: 3, baseBackoffMs: 1000, maxBackoffMs: 30_000 },
        maxCallsPerSession: 4,
        callTimeoutMs: 60_000,
        maxTotalTimeoutMs: 600_000,
        resetTimeoutOnProgress: false,
        killTimeoutMs: 2000,
        connectTimeoutMs: 30_000,
        maxResultBytes: 8 * 1024 * 1024,
        tools: {},
        secrets: [],
      },
    ]);
  });

  test("a bare HTTP entry is type http with transport auto and no headers", () => {
    const [server] = parseConfig({ mcpServers: { crm: { url: "https://crm.example.com/mcp" } } }).servers;
    expect(server).toMatchObject({ type: "http", url: "https://crm.example.com/mcp", headers: {}, transport: "auto" });
  });

  test("a stdio client carries up to 256 calls at once by default, an HTTP one 64", () => {
    const config = parseConfig({ mcpServers: { files: { command: "files-mcp" }, crm: { url: "http://127.0.0.1:8080/mcp" } } });
    expect(config.servers.map((s) => [s.name, s.pool.maxCallsPerConnection])).toEqual([
      ["files", 256],
      ["crm", 64],
    ]);
  });

  test("per-session servers default to 256 clients, shared ones to 4", () => {
    const config = parseConfig({
      mcpServers: {
        browser: { command: "browser-mcp", sharing: "per-session" },
        search: { command: "search-mcp", sharing: "shared" },
      },
    });
    expect(config.servers.map((s) => [s.name, s.sharing, s.pool.maxConnections])).toEqual([
      ["browser", "per-session", 256],
      ["search", "shared", 4],
    ]);
  });

  test("given keys replace their default and leave the others", () => {
    const [server] = parseConfig({
      mcpServers: {
        crm: {
          url: "http://127.0.0.1:8080/mcp",
          pool: { maxConnections: 8, minConnections: 2 },
          circuit: { failureThreshold: 5 },
          callTimeoutMs: 5000,
          killTimeoutMs: 0,
          tools: { allow: ["get_*"], deny: ["get_secret"] },
        },
      },
    }).servers;
    expect(server?.pool).toMatchObject({ maxConnections: 8, minConnections: 2, maxCallsPerConnection: 64 });
    expect(server?.circuit).toEqual({ failureThreshold: 5, baseBackoffMs: 1000, maxBackoffMs: 30_000 });
    expect(server).toMatchObject({ callTimeoutMs: 5000, maxTotalTimeoutMs: 600_000, killTimeoutMs: 0 });
    expect(server?.tools).toEqual({ allow: ["get_*"], deny: ["get_secret"] });
  });

  test("servers keep the order of the file", () => {
    const config = parseConfig({ mcpServers: { zeta: { command: "z" }, alpha: { command: "a" }, mid: { url: "http://m" } } });
    expect(config.servers.map((s) => s.name)).toEqual(["zeta", "alpha", "mid"]);
  });

  test("an empty mcpServers object is a valid config with no servers", () => {
    expect(parseConfig({ mcpServers: {} })).toEqual({ servers: [] });
  });
});
