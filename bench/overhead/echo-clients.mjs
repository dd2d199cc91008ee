/**
 * The two ways of calling server-everything's `echo` that the overhead bench
 * compares: through PooledMCPServerManager.callTool, and through a bare SDK
 * Client. Both carry every call on one connection, so the only difference is
 * the pool's own work (slot accounting, catalog lookup, timeouts, events).
 */

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { PooledMCPServerManager } from "mcp-pool";
import { onChildCore } from "../lib/cpu-pinning.mjs";
import { EVERYTHING_MAIN } from "../lib/everything-server.mjs";

const ARGS = { message: "overhead" };

/** `target`: { transport: "stdio" } or { transport: "http", url }. */
export async function pooledEcho(target, maxInFlight) {
  // One client, wide enough for every call in flight: the same shape as the bare client.
  return pooledEchoWith(target, {
    pool: { maxConnections: 1, maxCallsPerConnection: maxInFlight, maxWaiting: maxInFlight },
    maxCallsPerSession: maxInFlight,
  });
}

/** The pool with `entry` (pool options, limits) over the target; `call(options)` passes callTool options. */
export function pooledEchoWith(target, entry = {}) {
  const [command, ...args] = onChildCore([process.execPath, EVERYTHING_MAIN, "stdio"]);
  const endpoint = target.transport === "stdio" ? { command, args } : { url: target.url, transport: "streamable-http" };
  const manager = new PooledMCPServerManager({ mcpServers: { everything: { ...endpoint, ...entry } } });
  return {
    manager,
    call: (options) => manager.callTool("everything__echo", ARGS, options),
    close: () => manager.close({ graceMs: 1_000 }),
  };
}

export async function bareEcho(target) {
  const client = await bareClient(target);
  return {
    client,
    call: () => client.callTool({ name: "echo", arguments: ARGS }),
    close: () => client.close(),
  };
}

/** A connected SDK Client over the target (stdio with `ownSession`: the child runs under setsid(1)). */
export async function bareClient(target) {
  const node = [process.execPath, EVERYTHING_MAIN, "stdio"];
  const command = onChildCore(target.ownSession ? ["setsid", ...node] : node);
  const transport =
    target.transport === "stdio"
      ? new StdioClientTransport({ command: command[0], args: command.slice(1), stderr: "ignore" })
      : new StreamableHTTPClientTransport(new URL(target.url));
  const client = new Client({ name: "bench-bare-client", version: "0.1.0" });
  await client.connect(transport);
  return client;
}

/** server-everything's echo as a raw `tools/call` request (what the pool sends), with SDK request options. */
export function echoRequest(client, options) {
  return client.request({ method: "tools/call", params: { name: "echo", arguments: ARGS } }, CallToolResultSchema, options);
}
