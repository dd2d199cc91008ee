// A `${SECRET}` in a server's env, args and headers never shows: not in the server's logs (debug level: every
// stderr line of the children, every warning, the debug detail), its stderr, /readyz, /api/stats, /metrics, nor in
// the frames of /tools and of calls to those servers, while every one of them fails in its own way: the command
// does not exist (spawn ENOENT), the child prints its environment and arguments to stderr and exits during
// initialize, and an HTTP server answers 401 with a body that echoes our request headers. What users and /readyz
// see still says why (ENOENT, the child's last stderr lines with the secret replaced, HTTP 401 with no body;
// /readyz a short code);
// the body is in the debug log only, redacted too.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { faultEntry } from "@mcp-pool/test-support/fault-suite";
import { afterEach, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";

let started: ServerProcess | undefined;
let upstream: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await started?.stop();
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An HTTP "MCP server" that refuses every request with 401 and a body quoting the request's headers. */
async function echoingUnauthorized(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "invalid token", youSent: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}

describe("a secret in a server's env, args and headers", () => {
  it("appears in no log line, endpoint or frame, while each server fails its own way", async () => {
    const secret = `tok-${randomBytes(12).toString("hex")}`;
    const http = await echoingUnauthorized();
    upstream = http.server;
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-secrets-"));
    const config = join(dir, "mcp.json");
    const env = { API_TOKEN: "${SECRET}", OTHER: "prefix-${SECRET}-suffix" };
    const mcpServers = {
      missing: { command: "mcp-pool-no-such-command", args: ["--token", "${SECRET}"], env },
      printer: faultEntry(["--exit-at-initialize", "--marker", "${SECRET}"], { env }),
      upstream: { url: `http://127.0.0.1:${http.port}/mcp`, headers: { Authorization: "Bearer ${SECRET}" }, transport: "streamable-http" },
      healthy: faultEntry([], { env }),
    };
    writeFileSync(config, JSON.stringify({ mcpServers }));
    const server = await startServerProcess({ PORT: "0", MCP_CONFIG: config, SECRET: secret, LOG_LEVEL: "debug", READY_CACHE_MS: "0" });
    started = server;

    const client = await ChatClient.open(server.url);
    const frames = [
      ...(await client.ask("c1", "/tools")),
      ...(await client.ask("c2", '/call missing__echo {"text":"a"}')),
      ...(await client.ask("c3", '/call printer__echo {"text":"a"}')),
      ...(await client.ask("c4", '/call upstream__echo {"text":"a"}')),
      ...(await client.ask("c5", '/call healthy__echo {"text":"fine"}')),
      ...(await client.ask("c6", "/tools")),
    ];
    const readyz = await (await fetch(`${server.url}/readyz`)).text();
    const stats = await (await fetch(`${server.url}/api/stats`)).text();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    await server.stop();
    const outputs = {
      frames: JSON.stringify(frames),
      readyz,
      stats,
      metrics,
      logs: JSON.stringify(server.logs),
      stderr: server.stderr(),
    };

    for (const [where, text] of Object.entries(outputs)) expect({ where, leaks: text.includes(secret) }).toEqual({ where, leaks: false });
    // What users see still says why.
    expect(outputs.frames).toContain("echo:fine");
    expect(outputs.frames).toContain("ENOENT");
    expect(outputs.frames).toMatch(/HTTP 401 Unauthorized/);
    expect(outputs.frames).not.toContain("invalid token");
    expect(readyz).not.toContain("invalid token");
    // The child's stderr is quoted, the secret replaced.
    expect(outputs.frames).toContain("fatal: cannot start with API_TOKEN=[redacted]");
    expect(outputs.frames).toContain("fatal: cannot start with OTHER=prefix-[redacted]-suffix");
    // The upstream body is in the debug log, redacted.
    const detail = server.logs.find((line) => typeof line["detail"] === "string" && String(line["detail"]).includes("invalid token"));
    expect(detail).toMatchObject({ level: 20, server: "upstream" });
    expect(String(detail?.["detail"])).toContain("Bearer [redacted]");
  });
});
