import { describe, expect, test } from "vitest";
import { parseConfig } from "../src/config.js";

describe("entries written for desktop MCP clients load unchanged", () => {
  test("disabled servers are skipped, even when they would not validate", () => {
    const config = parseConfig({
      mcpServers: {
        off: { command: "old-server", disabled: true, pool: { maxConnections: 0 } },
        on: { command: "new-server", disabled: false },
      },
    });
    expect(config.servers.map((s) => s.name)).toEqual(["on"]);
  });

  test("keys of other clients (description, alwaysAllow, autoApprove, timeout) do not fail", () => {
    const config = parseConfig({
      mcpServers: {
        files: {
          command: "files-mcp",
          description: "local files",
          alwaysAllow: ["read_file"],
          autoApprove: [],
          timeout: 60,
          envFile: ".env",
        },
      },
    });
    expect(config.servers).toHaveLength(1);
    expect(config.servers[0]).not.toHaveProperty("alwaysAllow");
  });

  test.each([
    [{ type: "http" }, "auto"],
    [{ type: "streamable-http" }, "streamable-http"],
    [{ type: "sse" }, "sse"],
    [{ transport: "sse" }, "sse"],
    [{ transport: "streamable-http" }, "streamable-http"],
    [{ type: "http", transport: "sse" }, "sse"],
    [{}, "auto"],
  ])("an HTTP entry with %j uses transport %s", (keys, transport) => {
    const [server] = parseConfig({ mcpServers: { s: { url: "http://127.0.0.1:3001/mcp", ...keys } } }).servers;
    expect(server).toMatchObject({ type: "http", transport });
  });

  test('"type": "stdio" is accepted beside "command"', () => {
    const [server] = parseConfig({ mcpServers: { s: { type: "stdio", command: "node", args: ["server.js"] } } }).servers;
    expect(server).toMatchObject({ type: "stdio", command: "node", args: ["server.js"] });
  });
});
