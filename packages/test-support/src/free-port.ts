/**
 * freePort(): a TCP port on 127.0.0.1 that was free a moment ago (the OS picked it for a listener we
 * closed). Another process could take it before the caller binds; prefer `--port 0` where a server has it.
 */
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}
