// A server that sends notifications/tools/list_changed in a tight loop (5,000, one per turn of its event loop):
// the catalog reloads coalesce (a few tools/list requests, not one per notification), another server's calls are
// answered as fast as while a child merely keeps a core busy, as the stormy one does (parsing and validating
// every copy held this process's event loop for 100s of ms: the transport drops a turn's repeats unread), the
// stormy server's calls are answered, no read-only call is lost, no child is left, and nothing prints a warning.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { describe, expect, it } from "vitest";
import { textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const STORM = 5_000;

interface Counts {
  toolsList: number;
  listChanged: number;
}

describe("a list_changed storm", () => {
  it("reloads the catalog a few times, not once per notification, and slows no call", async () => {
    const manager = use.manager({
      // Its storm starts once its first client is up: the baseline is measured on the other server.
      stormy: faultEntry(["--list-changed-storm", String(STORM)], { pool: { maxConnections: 1 } }),
      other: faultEntry(),
    });
    const reloads: number[] = [];
    manager.on("catalogLoaded", (event) => event.server === "stormy" && reloads.push(event.version));
    const echo = (server: string) => () => manager.callTool(`${server}__echo`, { text: "x" }, { sessionId: "another-user" });
    await echo("other")();
    // The baseline: 20 calls spread over a second while a child keeps a core busy, talking to nobody (a loaded
    // machine slows both alike; what the storm may not add is this process's own work on it).
    const baseline: number[] = [];
    const spinner = spawn(process.execPath, ["-e", "const end = Date.now() + 1500; while (Date.now() < end);"], { stdio: "ignore" });
    const spun = once(spinner, "exit");
    try {
      await delay(100); // it is running
      for (let i = 0; i < 20; i += 1) {
        baseline.push(await timed(echo("other")));
        await delay(50);
      }
    } finally {
      spinner.kill("SIGKILL");
      await spun;
    }

    await manager.listTools(); // connects the stormy server: the storm begins
    const counts = async () => JSON.parse(textOf(await manager.callTool("stormy__counts"))) as Counts;
    const during: number[] = [];
    const calls: Promise<string>[] = [];
    while ((await counts()).listChanged < STORM) {
      during.push(await timed(echo("other")));
      // Its own answers come behind the notifications already in its pipe: answered, not timed.
      expect(textOf(await echo("stormy")())).toBe("echo:x");
      calls.push(manager.callTool("stormy__slow_read", { ms: 20, text: `${calls.length}` }).then(textOf));
    }
    expect(await Promise.all(calls)).toEqual(calls.map((_, i) => `slow:${i}`));
    // The last notifications' reload comes after a short debounce: wait for it, then count.
    await waitFor(async () => (await counts()).toolsList === reloads.length, { what: "the last reload" });
    const { toolsList } = await counts();
    expect(toolsList).toBeGreaterThan(1);
    expect(toolsList).toBeLessThan(STORM / 50);
    expect((await manager.listTools()).tools.map((tool) => tool.name)).toContain("stormy__echo");
    answeredAsFast(baseline, during);

    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
