// A server that cannot be reached says why, not only "fetch failed" or "Connection closed": the network error
// behind fetch (address and code), both causes when Streamable HTTP and then the SSE fallback fail (Streamable
// HTTP first), and the last lines a stdio server wrote to stderr before it exited. The error stays a
// ServerUnavailableError, and listTools() reports the same reason.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { describeFailure } from "../src/connect-errors.js";
import { ServerUnavailableError, type PooledMCPServerManager } from "../src/index.js";
import { freePort } from "@mcp-pool/test-support/free-port";
import { rejectionOf, useManagers } from "./helpers/manager.js";

const use = useManagers();

async function connectError(manager: PooledMCPServerManager, tool: string): Promise<ServerUnavailableError> {
  const error = await rejectionOf(manager.callTool(tool));
  expect(error).toBeInstanceOf(ServerUnavailableError);
  return error as ServerUnavailableError;
}

/** Listens on a free port of 127.0.0.1 until the test ends. */
async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

describe("a stdio server that exits at start", () => {
  it("shows the last lines of its stderr in the connect error and in listTools, with stderr otherwise ignored", async () => {
    const manager = use.manager({ broken: { command: process.execPath, args: ["/nonexistent/mcp-server.js"] } });
    const error = await connectError(manager, "broken__anything");
    expect(error.message).toMatch(/^Cannot connect to MCP server "broken": MCP error -32000: Connection closed; its stderr ended with:\n/);
    expect(error.message).toContain("Error: Cannot find module '/nonexistent/mcp-server.js'");
    expect(error.message).toContain("code: 'MODULE_NOT_FOUND'");

    const { unavailable } = await manager.listTools();
    expect(unavailable[0]?.error.message).toContain("Error: Cannot find module '/nonexistent/mcp-server.js'");
  });

  it("shows what it printed even without a newline at the end", async () => {
    const script = 'process.stderr.write("starting\\nfatal: no API key in MY_SERVER_KEY"); process.exit(3)';
    const manager = use.manager({ keyless: { command: process.execPath, args: ["-e", script] } });
    const error = await connectError(manager, "keyless__anything");
    expect(error.message).toContain("its stderr ended with:\n  starting\n  fatal: no API key in MY_SERVER_KEY");
  });
});

describe("an HTTP server that cannot be reached", () => {
  it("keeps both causes when Streamable HTTP and then SSE are refused, Streamable HTTP first", async () => {
    const port = await listen(
      createHttpServer((request, response) => {
        response.writeHead(403, { "content-type": "text/plain" });
        response.end(request.method === "POST" ? "Access is only allowed at localhost:18932" : "Forbidden");
      }),
    );
    const manager = use.manager({ guarded: { url: `http://127.0.0.1:${port}/mcp` } });
    const bodies: string[] = [];
    manager.on("debug", (event) => bodies.push(event.detail));
    const error = await connectError(manager, "guarded__anything");
    // The body the server sent is for the debug log; callers get its status.
    expect(bodies).toContain("Access is only allowed at localhost:18932");
    expect(error.message).toBe(
      `Cannot connect to MCP server "guarded": ` +
        "Streamable HTTP: Streamable HTTP error: Error POSTing to endpoint: HTTP 403 Forbidden; " +
        "SSE fallback: SSE error: Non-200 status code (403)",
    );
    // The causes themselves, for code that looks: the two transports' errors, in the order tried.
    const both = (error.cause as Error).cause;
    expect(both).toBeInstanceOf(AggregateError);
    expect((both as AggregateError).errors.map((cause: Error) => cause.message)).toEqual([
      "Streamable HTTP error: Error POSTing to endpoint: HTTP 403 Forbidden",
      "SSE error: Non-200 status code (403)",
    ]);
  });

  it("says connection refused, with the address, not only fetch failed", async () => {
    const port = await freePort();
    const manager = use.manager({ gone: { url: `http://127.0.0.1:${port}/mcp` } });
    const error = await connectError(manager, "gone__anything");
    expect(error.message).toBe(`Cannot connect to MCP server "gone": fetch failed (connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  it("says a host name was not found (ENOTFOUND), from the error fetch leaves", () => {
    // Tests reach only 127.0.0.1, so no real lookup fails here: this is the shape undici's fetch rejects with.
    const lookup = Object.assign(new Error("getaddrinfo ENOTFOUND crm.internal"), { code: "ENOTFOUND", hostname: "crm.internal" });
    expect(describeFailure(new TypeError("fetch failed", { cause: lookup }))).toBe("fetch failed (getaddrinfo ENOTFOUND crm.internal)");
  });

  it("says the certificate is self-signed, with its code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-pool-tls-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
      ]),
      { stdio: "ignore" },
    );
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_, response) => response.end());
    const port = await listen(server);
    const manager = use.manager({ selfsigned: { url: `https://127.0.0.1:${port}/mcp` } });
    const error = await connectError(manager, "selfsigned__anything");
    expect(error.message).toBe(
      `Cannot connect to MCP server "selfsigned": fetch failed (self-signed certificate [DEPTH_ZERO_SELF_SIGNED_CERT])`,
    );
  });
});
