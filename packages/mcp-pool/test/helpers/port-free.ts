/**
 * waitForPortFree(port): resolves once a listener could bind 127.0.0.1:port. A stopped server's process can
 * hold its port a moment after killAndWait reports it gone (its main thread is a zombie while other threads
 * still exit), and a server started on that port then is refused or answered by the old one.
 */
import { createServer } from "node:net";
import { waitFor } from "@mcp-pool/test-support/processes";

export async function waitForPortFree(port: number, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => canListen(port), { timeoutMs, what: `port ${port} to be free` });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}
