/**
 * The project's lab MCP server (packages/test-support/fixtures) over
 * Streamable HTTP: the bench's HTTP MCP server, because it reports its open
 * MCP sessions at GET /stats.
 */

import { fileURLToPath } from "node:url";
import { startProcess, waitForLine } from "./processes.mjs";

const LAB_SERVER = fileURLToPath(import.meta.resolve("@mcp-pool/test-support/fixtures/lab-server.mjs"));

export async function startLabHttp() {
  const lab = startProcess(process.execPath, [LAB_SERVER, "--http", "--port", "0"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const [, port] = await waitForLine(lab, /^listening (\d+)/);
    const base = `http://127.0.0.1:${port}`;
    return {
      url: `${base}/mcp`,
      pid: lab.pid,
      /** { sessionsOpen, sessionsOpened, ... } */
      stats: async () => (await fetch(`${base}/stats`)).json(),
      stop: () => lab.stop(),
    };
  } catch (error) {
    await lab.stop();
    throw error;
  }
}
