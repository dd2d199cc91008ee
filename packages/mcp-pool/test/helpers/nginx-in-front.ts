/**
 * Debian's nginx in front of an HTTP MCP server, with nginx-in-front.conf (this directory) on a free port:
 *   const proxy = await startNginxInFront(upstreamPort, { readTimeout: "1s" });   proxy.port
 *   await proxy.stop();   ends it by pid; its temporary directory is removed
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canConnect } from "@mcp-pool/test-support/fixture-servers";
import { freePort } from "@mcp-pool/test-support/free-port";
import { NGINX_BIN } from "@mcp-pool/test-support/nginx";
import { killAndWait, waitFor } from "@mcp-pool/test-support/processes";

const TEMPLATE = fileURLToPath(new URL("./nginx-in-front.conf", import.meta.url));

export interface NginxInFront {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startNginxInFront(upstreamPort: number, { readTimeout = "60s" } = {}): Promise<NginxInFront> {
  const dir = mkdtempSync(join(tmpdir(), "nginx-in-front-"));
  const port = await freePort();
  const fill: Record<string, string> = { DIR: dir, PORT: String(port), UPSTREAM_PORT: String(upstreamPort), READ_TIMEOUT: readTimeout };
  const config = readFileSync(TEMPLATE, "utf8").replace(/\{\{(\w+)\}\}/g, (_, name: string) => fill[name] ?? "");
  writeFileSync(join(dir, "nginx.conf"), config);
  const nginx = spawn(NGINX_BIN, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
  const pid = nginx.pid;
  const stop = async () => {
    if (pid !== undefined) await killAndWait(pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (pid === undefined) throw new Error(`${NGINX_BIN} did not start`);
    await waitFor(() => canConnect(port), { what: "nginx to listen" });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}
