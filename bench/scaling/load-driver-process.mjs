/** Forks bench/scaling/load-driver.mjs and turns its IPC messages into awaitable calls. */

import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { startProcess } from "../lib/processes.mjs";

const DRIVER = fileURLToPath(new URL("./load-driver.mjs", import.meta.url));

export function startLoadDriver() {
  // Registered like every other process so that a failure or Ctrl-C ends it by pid.
  const driver = startProcess(process.execPath, [DRIVER], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const request = async (message, event) => {
    const reply = once(driver.child, "message");
    driver.child.send(message);
    const [answer] = await Promise.race([
      reply,
      driver.exited.then(({ code }) => {
        throw new Error(`load driver exited (code ${code}) during ${message.cmd}`);
      }),
    ]);
    if (answer.event !== event) throw new Error(`load driver answered ${answer.event} to ${message.cmd}`);
    return answer;
  };
  return {
    pid: driver.pid,
    // Each user from its own loopback address by default: from 127.0.0.1 all would be one anonymous user
    // (the server's fairness key), whose share (maxCallsPerSession tool calls at a time per MCP server)
    // would bound every step, as one person's would, however many users the step has.
    connect: (url, users, { concurrency = 200, ownAddresses = true } = {}) =>
      request({ cmd: "connect", url, users, concurrency, ownAddresses }, "connected"),
    ask: (options) => request({ cmd: "ask", ...options }, "answered"),
    async close() {
      if (driver.child.connected) await request({ cmd: "close" }, "closed").catch(() => {});
      await driver.stop(5_000);
    },
  };
}
