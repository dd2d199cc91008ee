// An HTTP MCP server restarted mid-run forgets our session and answers 404 (lab) or 400 (server-everything)
// to it. The request never ran, so the pool replaces the client and sends it again on a new session, even a
// call that is not safe to repeat.
import { describe, expect, it } from "vitest";
import { labStats, startEverythingHttp, startLabHttp, type HttpFixture } from "@mcp-pool/test-support/fixture-servers";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";
import { waitForPortFree } from "./helpers/port-free.js";

const use = useManagers();

/** Stops the server and starts a new process on its port (its sessions are gone). */
async function restart(fixture: HttpFixture, start: (options: { port: number }) => Promise<HttpFixture>): Promise<HttpFixture> {
  await fixture.stop();
  await waitForPortFree(fixture.port);
  return use.fixture(start({ port: fixture.port }));
}

/** server-everything's toggle names the session it ran in: "Started ... for session <id> ...". */
function toggledSession(text: string): string {
  const match = /^Started simulated, random-leveled logging for session (\S+) /.exec(text);
  if (!match?.[1]) throw new Error(`unexpected toggle answer: ${text}`);
  return match[1];
}

describe("an HTTP MCP server restarted mid-run", () => {
  it("lab server (404): the next calls succeed on a new session of the new process", async () => {
    const fixture = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: fixture.entry() });
    const before = await manager.callTool("lab__echo", { text: "before" });
    expect(textOf(before)).toBe("echo:before");
    expect(before.structuredContent?.["pid"]).toBe(fixture.pid);
    expect(await labStats(fixture)).toMatchObject({ sessionsOpened: 1 });

    const restarted = await restart(fixture, startLabHttp);
    expect(await labStats(restarted)).toMatchObject({ sessionsOpened: 0 });
    const after = await Promise.all(Array.from({ length: 5 }, (_, i) => manager.callTool("lab__echo", { text: `after-${i}` })));
    after.forEach((result, i) => {
      expect(textOf(result)).toBe(`echo:after-${i}`);
      expect(result.structuredContent?.["pid"]).toBe(restarted.pid);
    });
    const { sessionsOpened } = await labStats(restarted);
    expect(sessionsOpened).toBeGreaterThanOrEqual(1);
    const stats = serverStats(manager);
    expect(stats.clientsDestroyed).toBeGreaterThanOrEqual(1);
    expect(stats.clientsCreated).toBe(1 + sessionsOpened);
    expect(stats).toMatchObject({ callsOk: 6, callsFailed: {}, callsInFlight: 0, waiting: 0 });
  });

  it("lab server (404): a call that is not safe to repeat runs once, on the new session", async () => {
    const fixture = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: fixture.entry() });
    expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
    expect(textOf(await manager.callTool("lab__increment"))).toBe("2");

    const restarted = await restart(fixture, startLabHttp);
    // The new session's counter starts again: 1 means it ran once there (and the 404 did not run it).
    expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
    expect(await labStats(restarted)).toMatchObject({ sessionsOpened: 1 });
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 2, callsOk: 3, callsFailed: {} });
  });

  it("server-everything (400): read-only and non-idempotent calls succeed on a new session", async () => {
    const fixture = await use.fixture(startEverythingHttp());
    const manager = use.manager({ everything: fixture.entry() });
    const sum = () => manager.callTool("everything__get-sum", { a: 2, b: 3 });
    expect(textOf(await sum())).toBe("The sum of 2 and 3 is 5.");
    const first = toggledSession(textOf(await manager.callTool("everything__toggle-simulated-logging")));

    await restart(fixture, startEverythingHttp);
    expect(textOf(await sum())).toBe("The sum of 2 and 3 is 5.");
    // "Started" again, in another session: it ran once, on the new client.
    const second = toggledSession(textOf(await manager.callTool("everything__toggle-simulated-logging")));
    expect(second).not.toBe(first);
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 2, callsOk: 4, callsFailed: {} });
  });
});
