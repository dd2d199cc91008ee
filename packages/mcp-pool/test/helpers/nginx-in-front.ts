/**
 * Debian's nginx in front of an HTTP MCP server, with the server block of nginx-in-front.conf (this
 * directory), on a free port (test-support's runNginx runs it):
 *   const nginx = await startNginxInFront(upstreamPort, { readTimeout: "1s" });   `${nginx.url}/mcp`
 *   await nginx.stop();   ends it by pid; its temporary directory is removed
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { canConnect } from "@mcp-pool/test-support/fixture-servers";
import { freePort } from "@mcp-pool/test-support/free-port";
import { runNginx, type Nginx } from "@mcp-pool/test-support/nginx";

const TEMPLATE = fileURLToPath(new URL("./nginx-in-front.conf", import.meta.url));

export async function startNginxInFront(upstreamPort: number, { readTimeout = "60s" } = {}): Promise<Nginx> {
  const port = await freePort();
  const fill: Record<string, string> = { PORT: String(port), UPSTREAM_PORT: String(upstreamPort), READ_TIMEOUT: readTimeout };
  const config = readFileSync(TEMPLATE, "utf8").replace(/\{\{(\w+)\}\}/g, (_, name: string) => fill[name] ?? "");
  return runNginx(config, port, () => canConnect(port));
}
