/**
 * @modelcontextprotocol/server-everything, the MCP server every bench uses:
 * its entry for stdio, and a Streamable HTTP instance on a free port.
 */

import { fileURLToPath } from "node:url";
import { connect } from "node:net";
import { freePort } from "./free-port.mjs";
import { startProcess } from "./processes.mjs";

/** The package has no `main`, only a bin: its file in the bench's own dependencies. */
export const EVERYTHING_MAIN = fileURLToPath(
  new URL("../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);

/** Starts it over Streamable HTTP; resolves with its `/mcp` URL once the port accepts connections. */
export async function startEverythingHttp() {
  const port = await freePort();
  // It logs every request on stdout: nobody reads that here.
  const server = startProcess(process.execPath, [EVERYTHING_MAIN, "streamableHttp"], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: "ignore",
  });
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || server.child.exitCode !== null) {
      await server.stop();
      throw new Error("server-everything (streamableHttp) did not start listening");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}/mcp`, pid: server.pid, stop: () => server.stop() };
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
