// An HTTP MCP server that is down behind Debian's nginx: nginx answers 502 Bad Gateway for it. That is the
// server unavailable, not the server refusing a request or breaking the protocol (tool_protocol_error, every
// call, the circuit never opening, was the answer before): the client is replaced, the failed connects open
// the circuit, callers get server_unavailable saying "HTTP 502 Bad Gateway", and once the server is back the
// circuit's probe closes it and calls go on in a new session.
import { describe, expect, it } from "vitest";
import { ServerUnavailableError } from "../../src/index.js";
import { labStats, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { waitFor } from "@mcp-pool/test-support/processes";
import { rejectionOf, serverStats, textOf, useManagers } from "../helpers/manager.js";
import { startNginxInFront } from "../helpers/nginx-in-front.js";
import { waitForPortFree } from "../helpers/port-free.js";

const use = useManagers();

describe("an HTTP MCP server down behind nginx (502 Bad Gateway)", () => {
  it("is unavailable: the circuit opens, and calls go on once it is back", async () => {
    const lab = await use.fixture(startLabHttp());
    const nginx = await startNginxInFront(lab.port);
    try {
      // Callers give up (1 s) before the circuit's next attempt (3 s), as in circuit-opens-on-repeated-connect-failures.
      const manager = use.manager({
        lab: {
          url: `${nginx.url}/mcp`,
          transport: "streamable-http",
          circuit: { failureThreshold: 2, baseBackoffMs: 3_000, maxBackoffMs: 3_000 },
          pool: { acquireTimeoutMs: 1_000 },
        },
      });
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
      await lab.stop();

      const error = await rejectionOf(manager.callTool("lab__increment"));
      expect(error).toBeInstanceOf(ServerUnavailableError);
      expect((error as Error).message).toMatch(/circuit open.*HTTP 502 Bad Gateway/);
      expect(serverStats(manager)).toMatchObject({ circuit: "open", callsFailed: { server_unavailable: 1 } });

      await waitForPortFree(lab.port);
      const back = await use.fixture(startLabHttp({ port: lab.port }));
      const answer = await waitFor(() => manager.callTool("lab__increment").then(textOf), { timeoutMs: 10_000, intervalMs: 100 });
      expect(answer).toBe("1"); // a new session on the new process
      expect(await labStats(back)).toMatchObject({ sessionsOpened: 1 });
      expect(serverStats(manager).circuit).toBe("closed");
    } finally {
      await nginx.stop();
    }
  });
});
