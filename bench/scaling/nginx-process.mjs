/**
 * Debian's nginx running the shipped docs/deploy/nginx.conf in front of the given ports, as a
 * child of this process (test-support's startNginx is TypeScript: run with `node --import tsx`).
 *   node --import tsx nginx-process.mjs <workerConnections> <port>...   prints `listening <url>`
 * SIGTERM or SIGINT ends nginx by pid, then this process.
 */

import { startNginx } from "@mcp-pool/test-support/nginx";

const [workerConnections, ...ports] = process.argv.slice(2).map(Number);
const nginx = await startNginx(ports, { workerConnections });
process.stdout.write(`listening ${nginx.url}\n`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => void nginx.stop().finally(() => process.exit(0)));
}
