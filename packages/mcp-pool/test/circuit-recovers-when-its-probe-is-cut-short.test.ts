// Once a circuit's backoff has elapsed, its one probe must end in a verdict on the server, or another probe
// must be allowed. A probe cut short (its session released while it connects) or answered by an idle client
// (no connect at all) must not leave the circuit half-open for ever, refusing every new connection.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ServerUnavailableError } from "../src/index.js";
import { gatedLab } from "./helpers/gated-lab.js";
import { rejectionOf, serverStats, textOf, useManagers } from "./helpers/manager.js";

const use = useManagers();
const circuit = { failureThreshold: 1, baseBackoffMs: 300, maxBackoffMs: 300 };

describe("a half-open circuit", () => {
  it("lets a new probe connect after one whose session was released while it connected (per-session)", async () => {
    const { up, ...command } = gatedLab();
    const manager = use.manager({
      lab: { ...command, sharing: "per-session", circuit, pool: { acquireTimeoutMs: 3_000 } },
    });
    const ping = (sessionId: string) => manager.withClient("lab", (client) => client.ping(), { sessionId });

    expect(await rejectionOf(ping("a"))).toBeInstanceOf(ServerUnavailableError);
    expect(serverStats(manager).circuit).toBe("open");
    up(true);
    await sleep(circuit.baseBackoffMs + 50);

    const probe = ping("probe");
    await manager.releaseSession("probe");
    await Promise.allSettled([probe]);

    await expect(ping("b")).resolves.toEqual({});
    expect(serverStats(manager).circuit).toBe("closed");
  });

  it("lets a probe connect after a borrow served by an idle client (shared)", async () => {
    const { up, ...command } = gatedLab();
    const manager = use.manager({
      lab: { ...command, circuit, pool: { maxConnections: 2, maxCallsPerConnection: 1, acquireTimeoutMs: 3_000 } },
    });
    up(true);
    await manager.listTools(); // one client, idle now

    // The server stops starting; a second client is needed while the first is busy, and fails to connect.
    up(false);
    const busy = manager.callTool("lab__slow_read", { ms: 600, text: "first" });
    const second = manager.callTool("lab__slow_read", { ms: 10, text: "second" });
    await sleep(200);
    expect(serverStats(manager).circuit).toBe("open");
    expect(textOf(await busy)).toBe("slow:first");
    expect(textOf(await second)).toBe("slow:second");

    // Past the backoff, calls are served by the idle client; later ones must still get a client.
    await sleep(circuit.baseBackoffMs + 50);
    up(true);
    for (let call = 1; call <= 3; call += 1) {
      await sleep(20); // the client goes back to generic-pool between calls
      expect(textOf(await manager.callTool("lab__slow_read", { ms: 1, text: String(call) }))).toBe(`slow:${call}`);
    }
  });
});
