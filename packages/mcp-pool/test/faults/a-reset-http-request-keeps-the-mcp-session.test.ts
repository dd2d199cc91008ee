// One HTTP request whose TCP connection is reset (a balancer or proxy between the pool and the server drops
// it) fails that call, not the MCP session: the server still holds the session and its state, so the next
// calls go on in it. A read-only call is sent again at once (on a new socket); a write is not (it may have
// run) and says so. A real server (the lab server over Streamable HTTP) behind a TCP relay of the test's own.
import { describe, expect, it } from "vitest";
import { ConnectionLostError } from "../../src/index.js";
import { labStats, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, serverStats, textOf, useManagers } from "../helpers/manager.js";
import { startRelay } from "../helpers/tcp-relay.js";

const use = useManagers();

async function labBehindRelay(sharing: "shared" | "per-session" = "shared") {
  const fixture = await use.fixture(startLabHttp());
  const relay = await startRelay(fixture.port);
  const manager = use.manager({ lab: { url: `http://127.0.0.1:${relay.port}/mcp`, transport: "streamable-http", sharing } });
  return { fixture, relay, manager };
}

describe("an HTTP request whose connection is reset", () => {
  it("fails a write with mayHaveRun, and the next calls go on in the same MCP session", async () => {
    const { fixture, relay, manager } = await labBehindRelay();
    try {
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
      expect(textOf(await manager.callTool("lab__increment"))).toBe("2");

      relay.resetNextRequest();
      const error = await rejectionOf(manager.callTool("lab__increment"));
      expect(relay.resets).toBe(1);
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true, server: "lab" });
      // Which network error the reset shows as depends on timing (read ECONNRESET, other side closed): it is said.
      expect((error as Error).message).toMatch(
        /^Connection to MCP server "lab" was lost during "increment" \(HTTP request failed \((read ECONNRESET|other side closed|.*socket).*\)\); it may have run$/,
      );

      // The reset request never reached the server: the session's counter goes on from 2.
      const next = await manager.callTool("lab__increment");
      expect(textOf(next)).toBe("3");
      expect(next.sessionReset).toBeUndefined();
      expect(await labStats(fixture)).toMatchObject({ sessionsOpened: 1 });
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0, callsOk: 3 });
    } finally {
      await relay.close();
    }
  });

  it("sends a read-only call again at once, in the same session", async () => {
    const { fixture, relay, manager } = await labBehindRelay();
    try {
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");

      relay.resetNextRequest();
      const answer = await manager.callTool("lab__echo", { text: "after the reset" });
      expect(relay.resets).toBe(1);
      expect(textOf(answer)).toBe("echo:after the reset");
      expect(textOf(await manager.callTool("lab__increment"))).toBe("2");
      expect(await labStats(fixture)).toMatchObject({ sessionsOpened: 1 });
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0, callsOk: 3, callsFailed: {} });
    } finally {
      await relay.close();
    }
  });

  it("keeps a per-session server's state: the user is told of no reset, the other user's session is untouched", async () => {
    const { fixture, relay, manager } = await labBehindRelay("per-session");
    try {
      expect(textOf(await manager.callTool("lab__increment", {}, { sessionId: "alice" }))).toBe("1");
      expect(textOf(await manager.callTool("lab__increment", {}, { sessionId: "bob" }))).toBe("1");

      relay.resetNextRequest();
      const error = await rejectionOf(manager.callTool("lab__increment", {}, { sessionId: "alice" }));
      expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true });

      const alice = await manager.callTool("lab__increment", {}, { sessionId: "alice" });
      expect(textOf(alice)).toBe("2");
      expect(alice.sessionReset).toBeUndefined();
      expect(textOf(await manager.callTool("lab__increment", {}, { sessionId: "bob" }))).toBe("2");
      expect(await labStats(fixture)).toMatchObject({ sessionsOpened: 2 });
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 2, clientsDestroyed: 0 });
    } finally {
      await relay.close();
    }
  });
});
