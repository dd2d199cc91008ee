/**
 * What one measurement runs against: a fresh lab HTTP MCP server and a fresh
 * chat server whose config (shared or per-session) uses it and
 * server-everything over stdio. Stopped together.
 */

import { fileURLToPath } from "node:url";
import { startLabHttp } from "../lib/lab-http-server.mjs";
import { startChatServer } from "./chat-server-process.mjs";

export const MCP_CONFIGS = {
  shared: fileURLToPath(new URL("../config/shared.mcp.json", import.meta.url)),
  "per-session": fileURLToPath(new URL("../config/per-session.mcp.json", import.meta.url)),
};

export async function startServerWithMcp({ variant, llmBaseURL, logFile, nodeArgs, serverMain, extraEnv = {} }) {
  const lab = await startLabHttp();
  try {
    const server = await startChatServer({
      mcpConfig: MCP_CONFIGS[variant],
      llmBaseURL,
      logFile,
      nodeArgs,
      serverMain,
      extraEnv: { ...extraEnv, BENCH_LAB_MCP_URL: lab.url },
    });
    return {
      server,
      lab,
      async stop() {
        await server.stop();
        await lab.stop();
      },
    };
  } catch (error) {
    await lab.stop();
    throw error;
  }
}
