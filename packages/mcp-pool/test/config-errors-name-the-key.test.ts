import { describe, expect, test } from "vitest";
import { ConfigError } from "../src/errors.js";
import { parseConfig } from "../src/config.js";

/** The ConfigError parseConfig throws for this input. */
function configError(json: unknown): ConfigError {
  try {
    parseConfig(json, { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("parseConfig accepted an invalid config");
}

const server = (entry: Record<string, unknown>) => ({ mcpServers: { crm: entry } });

describe("an invalid config fails at load, naming the server and the key", () => {
  test("a bad number: message, code, server and path", () => {
    const error = configError(server({ command: "crm-mcp", pool: { maxConnections: 0 } }));
    expect(error.message).toBe("mcpServers.crm.pool.maxConnections: must be an integer >= 1 (got 0)");
    expect(error.code).toBe("config_invalid");
    expect(error.server).toBe("crm");
    expect(error.path).toBe("mcpServers.crm.pool.maxConnections");
  });

  test.each([
    [{ pool: { maxCallsPerConnection: 2.5 } }, "mcpServers.crm.pool.maxCallsPerConnection: must be an integer (got 2.5)"],
    [{ callTimeoutMs: "60s" }, 'mcpServers.crm.callTimeoutMs: must be an integer (got "60s")'],
    [{ killTimeoutMs: -1 }, "mcpServers.crm.killTimeoutMs: must be an integer >= 0 (got -1)"],
    [{ callTimeoutMs: 2 ** 31 }, "mcpServers.crm.callTimeoutMs: must be an integer <= 2147483647 (got 2147483648)"],
    [{ sharing: "private" }, 'mcpServers.crm.sharing: must be one of "shared", "per-session" (got "private")'],
    [{ pool: { maxConections: 2 } }, 'mcpServers.crm.pool: unknown key "maxConections"'],
    [{ tools: { allow: "read_*" } }, 'mcpServers.crm.tools.allow: must be a list (got "read_*")'],
    [{ args: ["--port", 80] }, "mcpServers.crm.args[1]: must be a string (got 80)"],
    [{ env: { PORT: 80 } }, "mcpServers.crm.env.PORT: must be a string (got 80)"],
    [{ command: "" }, "mcpServers.crm.command: must not be empty"],
  ])("%j", (keys, message) => {
    expect(configError(server({ command: "crm-mcp", ...keys })).message).toBe(message);
  });

  test("related numbers are checked against each other", () => {
    expect(configError(server({ command: "x", pool: { minConnections: 5, maxConnections: 2 } })).message).toBe(
      "mcpServers.crm.pool.minConnections: must be <= pool.maxConnections (2) (got 5)",
    );
    expect(configError(server({ command: "x", callTimeoutMs: 90_000, maxTotalTimeoutMs: 60_000 })).message).toBe(
      "mcpServers.crm.maxTotalTimeoutMs: must be >= callTimeoutMs (90000) (got 60000)",
    );
    expect(configError(server({ command: "x", circuit: { baseBackoffMs: 5000, maxBackoffMs: 1000 } })).message).toBe(
      "mcpServers.crm.circuit.maxBackoffMs: must be >= circuit.baseBackoffMs (5000) (got 1000)",
    );
  });

  test("a per-session server cannot keep warm clients, which would belong to no session", () => {
    const error = configError(server({ command: "x", sharing: "per-session", pool: { minConnections: 1 } }));
    expect(error.path).toBe("mcpServers.crm.pool.minConnections");
    expect(error.message).toMatch(/must be 0 when "sharing" is "per-session"/);
  });

  test("an entry needs exactly one of command and url", () => {
    expect(configError(server({ args: ["a"] })).message).toBe('mcpServers.crm: needs "command" (a stdio server) or "url" (an HTTP server)');
    expect(configError(server({ command: "x", url: "http://127.0.0.1/mcp" })).message).toBe(
      'mcpServers.crm: has both "command" and "url"; keep one',
    );
  });

  test("a URL must be http or https, and the message shows it before expansion", () => {
    expect(configError(server({ url: "not a url" })).message).toBe(
      'mcpServers.crm.url: must be an http:// or https:// URL (got "not a url")',
    );
    const error = configError({ mcpServers: { crm: { url: "ftp://${HOST:-files.example.com}/mcp" } } });
    expect(error.message).toBe('mcpServers.crm.url: must be an http:// or https:// URL (got "ftp://${HOST:-files.example.com}/mcp")');
  });

  test("type must agree with command/url, and transport with type", () => {
    expect(configError(server({ type: "sse", command: "x" })).message).toBe('mcpServers.crm.type: is "sse" but the entry has "command"');
    expect(configError(server({ type: "stdio", url: "http://h/mcp" })).message).toBe(
      'mcpServers.crm.type: is "stdio" but the entry has "url"',
    );
    expect(configError(server({ type: "sse", transport: "streamable-http", url: "http://h/mcp" })).message).toBe(
      'mcpServers.crm.transport: is "streamable-http" but "type" is "sse"',
    );
  });

  test("the shape of the file itself", () => {
    expect(configError([]).message).toBe('the config must be a JSON object with "mcpServers" (got [])');
    expect(configError({ servers: {} }).message).toBe(
      'mcpServers: is missing (this looks like VS Code\'s "servers"; rename the key to "mcpServers")',
    );
    expect(configError({}).path).toBe("mcpServers");
    expect(configError({ mcpServers: [] }).message).toBe("mcpServers: must be an object of servers by name (got [])");
    expect(configError({ mcpServers: { crm: "crm-mcp" } }).message).toBe('mcpServers.crm: must be an object (got "crm-mcp")');
    expect(configError({ mcpServers: { "": { command: "x" } } }).message).toBe('mcpServers[""]: a server name must not be empty');
  });

  test("a server name that is not an identifier is quoted in the path", () => {
    const error = configError({ mcpServers: { "my crm": { command: "x", maxCallsPerSession: 0 } } });
    expect(error.message).toBe('mcpServers["my crm"].maxCallsPerSession: must be an integer >= 1 (got 0)');
    expect(error.server).toBe("my crm");
  });

  test("several problems are all reported in one error; server and path are the first one's", () => {
    const error = configError({
      mcpServers: {
        crm: { command: "crm-mcp", pool: { maxConnections: 0 } },
        mail: { url: "https://mail.example.com", headers: { Authorization: "Bearer ${MAIL_TOKEN}" } },
        ok: { command: "fine" },
        broken: {},
      },
    });
    expect(error.message).toBe(
      [
        "3 problems in the MCP config:",
        "  mcpServers.crm.pool.maxConnections: must be an integer >= 1 (got 0)",
        "  mcpServers.mail.headers.Authorization: environment variable MAIL_TOKEN is not set (write ${MAIL_TOKEN:-default} to give a default)",
        '  mcpServers.broken: needs "command" (a stdio server) or "url" (an HTTP server)',
      ].join("\n"),
    );
    expect(error.server).toBe("crm");
    expect(error.path).toBe("mcpServers.crm.pool.maxConnections");
  });
});
