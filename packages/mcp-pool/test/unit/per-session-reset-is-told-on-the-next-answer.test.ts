// When a session's client of a per-session server is replaced because the previous one died or idled out,
// the session's next answer from the new client says so (`sessionReset` on the result, on the tool's error,
// or in withClient's context), once. A released session starts afresh without it: it ended on purpose.
import { describe, expect, it, vi } from "vitest";
import { ToolCallError, type PooledMCPServerManager } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf } from "../helpers/manager.js";

const use = useFakeManagers();

function echo(manager: PooledMCPServerManager, sessionId: string) {
  return manager.callTool("fake__echo", { text: sessionId }, { sessionId });
}

describe("a session whose per-session client was replaced", () => {
  it("is told by its next answer that its client died, once, and other sessions are not", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    expect((await echo(manager, "a")).sessionReset).toBeUndefined();
    expect((await echo(manager, "b")).sessionReset).toBeUndefined();

    fake.made[0]!.die();
    await settle();
    const next = await echo(manager, "a");
    expect(next.content).toEqual([{ type: "text", text: "echo:a" }]);
    expect(next.sessionReset).toBe("connection lost");
    expect(fake.made).toHaveLength(3);
    expect((await echo(manager, "a")).sessionReset).toBeUndefined();
    expect((await echo(manager, "b")).sessionReset).toBeUndefined();
  });

  it("is told by its next answer that its client idled out", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { idleTimeoutMs: 1_000 } });
    await echo(manager, "a");
    await vi.advanceTimersByTimeAsync(1_600);
    expect(fake.made[0]!.state).toBe("closed");
    expect((await echo(manager, "a")).sessionReset).toBe("idle");
    expect((await echo(manager, "a")).sessionReset).toBeUndefined();
  });

  it("is not told anything after releaseSession: a released session starts afresh", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { idleTimeoutMs: 1_000 } });
    await echo(manager, "a");
    await vi.advanceTimersByTimeAsync(1_600); // idled out...
    await manager.releaseSession("a"); // ...and then released: the session is over
    expect((await echo(manager, "a")).sessionReset).toBeUndefined();
  });

  it("is not told anything when the client that idled out carried no call (it only read the catalog)", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session", pool: { idleTimeoutMs: 1_000 } });
    await manager.listTools({ sessionId: "a" });
    await vi.advanceTimersByTimeAsync(1_600);
    expect(fake.made[0]!.state).toBe("closed");
    expect((await echo(manager, "a")).sessionReset).toBeUndefined();
  });

  it("is told by a tool's error when the first answer from the new client is one", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    await echo(manager, "a");
    fake.made[0]!.die();
    await settle();
    const error = await rejectionOf(manager.callTool("fake__fail", { message: "no such page" }, { sessionId: "a" }));
    expect(error).toBeInstanceOf(ToolCallError);
    expect((error as ToolCallError).sessionReset).toBe("connection lost");
    expect((await echo(manager, "a")).sessionReset).toBeUndefined();
  });

  it("is told by the result of a read-only call retried on a fresh client after its client died mid-call", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    await echo(manager, "a");
    const held = manager.callTool("fake__hold", { key: "k" }, { sessionId: "a" });
    await settle();
    fake.made[0]!.die();
    await settle();
    expect(fake.made).toHaveLength(2); // the retry's new client
    fake.release("k");
    const result = await held;
    expect(result.content).toEqual([{ type: "text", text: "held:k" }]);
    expect(result.sessionReset).toBe("connection lost");
  });

  it("is told in withClient's context", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { sharing: "per-session" });
    const resetSeen = () => manager.withClient("fake", async (_client, context) => context.sessionReset, { sessionId: "a" });
    expect(await resetSeen()).toBeUndefined();
    fake.made[0]!.die();
    await settle();
    expect(await resetSeen()).toBe("connection lost");
    expect(await resetSeen()).toBeUndefined();
  });
});
