// close() does not wait for a connect in progress to succeed or time out: it ends the server that is still
// starting (a process that never answers the MCP handshake) at once, in a shared pool as in a per-session one.
import { describe, expect, it } from "vitest";
import { ManagerClosedError } from "../src/index.js";
import { rejectionOf, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

/** A child that starts and never answers `initialize`: connecting to it only ends with connectTimeoutMs. */
const silent = { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"], connectTimeoutMs: 60_000 };

describe("close() while a client is connecting", () => {
  for (const sharing of ["shared", "per-session"] as const) {
    it(`ends the starting child at once (${sharing})`, async () => {
      const manager = use.manager({ silent: { ...silent, sharing } });
      const call = rejectionOf(manager.callTool("silent__anything", {}, { sessionId: "s1" }));
      const child = await waitFor(() => descendantPids()[0], { what: "the server child to start" });

      const closedAt = Date.now();
      await manager.close({ graceMs: 0 });
      expect(Date.now() - closedAt).toBeLessThan(5_000);
      expect(descendantPids()).not.toContain(child);
      expect(await call).toBeInstanceOf(ManagerClosedError);
    });
  }
});
