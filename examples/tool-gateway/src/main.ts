/**
 * The service: one PooledMCPServerManager for the whole process, the HTTP API
 * in front of it, and a graceful shutdown on SIGTERM/SIGINT (stop accepting,
 * let calls in flight finish, close the manager, which ends the MCP servers).
 *   PORT (default 8080), HOST (127.0.0.1), MCP_CONFIG (mcp.json), GRACE_MS (10000)
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PooledMCPServerManager } from "mcp-pool";
import { createGateway } from "./gateway.js";

const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: Date.now(), ...entry })}\n`);

const manager = await PooledMCPServerManager.fromFile(process.env.MCP_CONFIG ?? "mcp.json");
manager.on("warning", (warning) => log({ msg: warning.message, server: warning.server }));
const gateway = createGateway(manager, log);
const server = createServer(gateway.handle);

server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address() as AddressInfo;
  log({ msg: "listening", url: `http://${address}:${port}` });
});

let closing = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (closing) process.exit(1); // a second signal: the operator will not wait
  closing = true;
  log({ msg: "shutting down", signal });
  gateway.stopAccepting();
  const graceMs = Number(process.env.GRACE_MS ?? 10_000);
  // Stop listening; requests in flight finish (idle keep-alive connections close now).
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  const grace = setTimeout(() => server.closeAllConnections(), graceMs);
  await drained;
  clearTimeout(grace);
  await manager.close({ graceMs: 1000 });
  log({ msg: "shut down" });
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
