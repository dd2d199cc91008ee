/**
 * The real chat server (packages/server/dist/main.js) as a child process,
 * with the limits raised for load: the bench measures capacity, not the
 * defaults that protect a small deployment.
 */

import { openSync, closeSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../lib/free-port.mjs";
import { startProcess } from "../lib/processes.mjs";

const SERVER_MAIN = fileURLToPath(new URL("../../packages/server/dist/main.js", import.meta.url));

/** Environment that lifts the server's per-deployment limits above the bench's load. */
export const LOAD_LIMITS = {
  MAX_CONNECTIONS: "20000",
  // Anonymous users are limited per address: every simulated user has one of its own, raised all the same.
  MAX_CONNECTIONS_PER_IP: "20000",
  MAX_SOCKETS_PER_USER: "20000",
  RATE_LIMIT_QUESTIONS: "1000000",
  RATE_LIMIT_WINDOW_S: "60",
  IDLE_TIMEOUT_MS: "600000",
  SHUTDOWN_GRACE_MS: "5000",
};

/**
 * Starts the server with `mcpConfig` (`extraEnv` fills its `${VAR}`s); with
 * `llmBaseURL` its agents use that OpenAI-compatible endpoint, without it they
 * are the offline tool console. `serverMain` runs another build of the server
 * (the agent A/B's baseline), `nodeArgs` go to node (e.g. `--cpu-prof`).
 * Resolves once GET /healthz answers.
 */
export async function startChatServer({ mcpConfig, llmBaseURL, logFile, extraEnv = {}, nodeArgs = [], serverMain = SERVER_MAIN }) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: "127.0.0.1",
    PORT: String(port),
    MCP_CONFIG: mcpConfig,
    LOG_LEVEL: "warn",
    ...LOAD_LIMITS,
    ...extraEnv,
    ...(llmBaseURL ? { OPENAI_BASE_URL: llmBaseURL, OPENAI_API_KEY: "bench", OPENAI_MODEL: "bench-model" } : {}),
  };
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = openSync(logFile, "w");
  const server = startProcess(process.execPath, [...nodeArgs, serverMain], { env, stdio: ["ignore", log, log] });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, server, 30_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, wsUrl: `ws://127.0.0.1:${port}/ws`, pid: server.pid, stop: () => server.stop(15_000) };
}

async function waitHealthy(url, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`chat server exited with code ${server.child.exitCode} (see its log)`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`chat server not healthy after ${timeoutMs} ms`);
}
