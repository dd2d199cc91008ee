/**
 * A private redis-server for a bench section: a free port, no persistence, registered with
 * processes.mjs so it is ended by pid. Resolves once it answers PING.
 */

import { createConnection } from "node:net";
import { freePort } from "./free-port.mjs";
import { startProcess } from "./processes.mjs";

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

export async function startRedis() {
  const port = await freePort();
  const handle = startProcess(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (handle.child.exitCode !== null || Date.now() > deadline) {
      await handle.stop(1_000);
      throw new Error(`redis-server (${REDIS_SERVER}) did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, pid: handle.pid, stop: (graceMs) => handle.stop(graceMs) };
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(String(data).startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });
}
