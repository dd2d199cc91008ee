// A shared client idle past validateAfterIdleMs is pinged before it is lent again; one that fails is closed
// and replaced, and the replacement opens only once the failed one is gone: a server at maxConnections never
// has one child more, even while the failed one takes its time to end. Fake connections, fake timers.
import { describe, expect, it, vi } from "vitest";
import { fakeConnections } from "../helpers/fake-connections.js";
import { useFakeManagers } from "../helpers/fake-manager.js";
import { serverStats, textOf } from "../helpers/manager.js";

const use = useFakeManagers();

describe("a client that fails its ping after idle", () => {
  it("is closed, and its replacement opens once it is gone, never above maxConnections", async () => {
    const fake = fakeConnections({ close: "manual" });
    const manager = use.manager(fake, { pool: { maxConnections: 1, validateAfterIdleMs: 1_000 } });
    expect(textOf(await manager.callTool("fake__echo", { text: "first" }))).toBe("echo:first");
    const failing = fake.last();
    await vi.advanceTimersByTimeAsync(2_000);
    failing.refusePings();

    const next = manager.callTool("fake__echo", { text: "second" });
    await vi.advanceTimersByTimeAsync(50);
    expect(failing.state).toBe("closing");
    // The failed client's child is still ending: no second one beside it.
    expect(fake.alive()).toEqual([failing]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.alive()).toEqual([failing]);

    failing.exit();
    expect(textOf(await next)).toBe("echo:second");
    expect(fake.made).toHaveLength(2);
    expect(fake.alive()).toEqual([fake.last()]);
    expect(serverStats(manager)).toMatchObject({ clientsOpen: 1, clientsCreated: 2, clientsDestroyed: 1, waiting: 0 });
  });
});
