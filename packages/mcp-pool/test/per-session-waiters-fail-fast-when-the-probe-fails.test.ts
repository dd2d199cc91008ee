// Per session, while a half-open circuit's one probe connects, other sessions' first calls wait for its
// verdict; when the probe fails, they fail fast with ServerUnavailableError, not PoolTimeoutError later.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ServerUnavailableError } from "../src/index.js";
import { gatedLab } from "./helpers/gated-lab.js";
import { rejectionOf, serverStats, useManagers } from "./helpers/manager.js";

const use = useManagers();
const circuit = { failureThreshold: 1, baseBackoffMs: 300, maxBackoffMs: 300 };

describe("a failed probe (per-session)", () => {
  it("fails the other sessions waiting for it with ServerUnavailableError at once", async () => {
    const { up: _up, ...command } = gatedLab(); // never up
    const manager = use.manager({
      lab: { ...command, sharing: "per-session", circuit, pool: { acquireTimeoutMs: 10_000 } },
    });
    const ping = (sessionId: string) => manager.withClient("lab", (client) => client.ping(), { sessionId });
    expect(await rejectionOf(ping("a"))).toBeInstanceOf(ServerUnavailableError);
    expect(serverStats(manager).circuit).toBe("open");
    await sleep(circuit.baseBackoffMs + 50);

    const startedAt = Date.now();
    const [probe, other] = await Promise.all([rejectionOf(ping("probe")), rejectionOf(ping("b"))]);
    expect(probe).toBeInstanceOf(ServerUnavailableError);
    expect(other).toBeInstanceOf(ServerUnavailableError);
    expect(other).toMatchObject({ code: "server_unavailable", server: "lab" });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
