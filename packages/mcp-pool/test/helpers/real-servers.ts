/**
 * Third-party MCP servers installed from npm as devDependencies (no network at test time), run from the
 * configs in docs/real-servers/ exactly as docs/configuration.md shows them: by their bin names
 * (mcp-server-filesystem, mcp-server-memory, mcp-server-sequential-thinking, playwright-mcp, mcp-proxy).
 *   useRealServerBins()            mcp-pool's node_modules/.bin first on PATH for the file's tests, as a user's
 *                                  `npm install -g` would put them (call once at the top of a file)
 *   docConfig(name, env)           docs/real-servers/<name>.json loaded as loadConfigFile does, `${VAR}`s from env
 *   docConfigPath(file)            the path of docs/real-servers/<file>
 *   startMcpProxy(command, args)   mcp-proxy on a free port of 127.0.0.1 in front of a stdio server (one child,
 *                                  shared by every HTTP session): an HttpFixture whose url is the Streamable HTTP
 *                                  endpoint (/mcp; SSE is /sse); stop() ends the proxy, which ends its child
 *   useTempDir(prefix)             a fresh directory, removed when the test ends
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, onTestFinished } from "vitest";
import { loadConfigFile, type ManagerConfig } from "../../src/index.js";
import { canConnect } from "@mcp-pool/test-support/fixture-servers";
import { freePort } from "@mcp-pool/test-support/free-port";
import { startHttpChild, type HttpFixture } from "@mcp-pool/test-support/http-fixture";
import { waitFor } from "@mcp-pool/test-support/processes";

const binDir = fileURLToPath(new URL("../../node_modules/.bin", import.meta.url));
const docsDir = fileURLToPath(new URL("../../../../docs/real-servers/", import.meta.url));
const mcpProxyPath = join(dirname(createRequire(import.meta.url).resolve("mcp-proxy/package.json")), "dist/bin/mcp-proxy.mjs");

export function useRealServerBins(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env["PATH"];
    process.env["PATH"] = [binDir, saved].filter(Boolean).join(delimiter);
  });
  afterAll(() => {
    process.env["PATH"] = saved;
  });
}

export function docConfig(name: string, env: Record<string, string> = {}): Promise<ManagerConfig> {
  return loadConfigFile(docConfigPath(`${name}.json`), { env: { ...process.env, ...env } });
}

export function docConfigPath(file: string): string {
  return join(docsDir, file);
}

export async function startMcpProxy(command: string, args: string[] = [], readyTimeoutMs = 20_000): Promise<HttpFixture> {
  return startHttpChild(
    {
      args: (port) => [mcpProxyPath, "--host", "127.0.0.1", "--port", String(port), "--", command, ...args],
      // It prints "starting server on port N" before it listens: ready once it accepts.
      ready: async (child, port) => {
        child.stdout?.resume();
        await waitFor(() => canConnect(port), { timeoutMs: readyTimeoutMs, intervalMs: 50, what: "mcp-proxy" });
        return port;
      },
    },
    await freePort(),
    readyTimeoutMs,
  );
}

export function useTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcp-pool-${prefix}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
