// A server that cannot be reached opens its circuit after `failureThreshold` failed connects: callers who
// cannot wait for the next attempt (all of them, for a server that never connected) then fail fast with
// ServerUnavailableError and `retryAt`, nothing retries in a loop, and once the backoff has elapsed one probe
// may connect; its success closes the circuit.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { ServerUnavailableError, type PooledMCPServerManager } from "../src/index.js";
import { labStats, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, serverStats, textOf, useManagers } from "./helpers/manager.js";
import { waitForPortFree } from "./helpers/port-free.js";
import { waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();
const circuit = { failureThreshold: 2, baseBackoffMs: 600, maxBackoffMs: 2_000 };

/** A TCP listener that drops every connection at once, counting them: a port where no MCP server answers. */
async function listenAndDrop(port: number): Promise<{ server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await waitForPortFree(port);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, connections: () => connections };
}

let dropping: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (dropping ? dropping.close(resolve) : resolve(undefined)));
  dropping = undefined;
});

async function failure(attempt: Promise<unknown>): Promise<ServerUnavailableError> {
  const error = await rejectionOf(attempt);
  expect(error).toBeInstanceOf(ServerUnavailableError);
  return error as ServerUnavailableError;
}

/** Calls every 10 ms for `ms`: each fails with the circuit's error, at once but for the probes. */
async function hammer(attempt: () => Promise<unknown>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let calls = 0;
  let slow = 0;
  while (Date.now() < until) {
    const startedAt = Date.now();
    await failure(attempt());
    calls += 1;
    if (Date.now() - startedAt > 50) slow += 1;
    await sleep(10);
  }
  expect(calls).toBeGreaterThan(10);
  expect(slow).toBeLessThanOrEqual(2); // the probes the backoff let through
}

describe("a stdio server whose command exits at once", () => {
  it("fails with ServerUnavailableError, then fast with retryAt once the circuit is open, without a retry loop", async () => {
    // Each start of the command leaves a line in `starts`: an independent count of connect attempts.
    const dir = mkdtempSync(join(tmpdir(), "mcp-pool-circuit-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const starts = join(dir, "starts");
    const exitAtOnce = `require("node:fs").appendFileSync(${JSON.stringify(starts)}, "start\\n"); process.exit(1)`;
    const manager = use.manager({ bad: { command: process.execPath, args: ["-e", exitAtOnce], circuit } });
    const startCount = () => (existsSync(starts) ? readFileSync(starts, "utf8").split("\n").length - 1 : 0);
    const borrow = () => manager.withClient("bad", (client) => client.ping());

    for (let attempt = 1; attempt <= circuit.failureThreshold; attempt += 1) {
      const error = await failure(borrow());
      expect(error).toMatchObject({ code: "server_unavailable", server: "bad" });
    }
    expect(serverStats(manager).circuit).toBe("open");
    expect(startCount()).toBe(circuit.failureThreshold);

    const openedAt = Date.now();
    const fast = await failure(borrow());
    expect(Date.now() - openedAt).toBeLessThan(50);
    expect(fast.retryAt).toBeGreaterThan(openedAt);
    expect(fast.retryAt).toBeLessThanOrEqual(openedAt + circuit.baseBackoffMs);
    const listing = await manager.listTools();
    expect(listing.tools).toEqual([]);
    expect(listing.unavailable).toEqual([{ server: "bad", error: expect.any(ServerUnavailableError) }]);

    // Over a second of callers only the backoff's probes start a process: one after 600 ms, the next 1,200 ms later.
    await hammer(borrow, 1_000);
    expect(startCount()).toBeLessThanOrEqual(circuit.failureThreshold + 2);
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 0, callsInFlight: 0, waiting: 0 });
  });
});

describe("an HTTP server that goes away and comes back", () => {
  it("opens the circuit while its port drops connections and closes it on the first successful probe", async () => {
    const lab = await use.fixture(startLabHttp());
    // Callers here give up (1 s) before the circuit's next attempt (3 s): through the hammer's second, which
    // starts right after the circuit opens, they fail fast rather than wait for it (waiting for the probe is what
    // test/unit/waiters-wait-for-the-probe-when-they-can proves). With 2 s the margin was the hammer's start
    // after the open: a caller late in it could wait for the probe and time out (1 run in 8).
    const httpCircuit = { failureThreshold: 2, baseBackoffMs: 3_000, maxBackoffMs: 3_000 };
    const pool = { acquireTimeoutMs: 1_000 };
    const manager: PooledMCPServerManager = use.manager({ lab: lab.entry({ circuit: httpCircuit, pool }) });
    expect(textOf(await manager.callTool("lab__echo", { text: "up" }))).toBe("echo:up");

    await lab.stop();
    const drop = await listenAndDrop(lab.port);
    dropping = drop.server;
    const echo = () => manager.callTool("lab__echo", { text: "again" });
    // It has worked: a failed connect is tried again at once; failureThreshold of them open the circuit.
    await failure(echo());
    expect(serverStats(manager).circuit).toBe("open");
    const tried = drop.connections();
    expect(tried).toBeGreaterThan(0);

    await hammer(echo, 1_000);
    // No connect while it is open (each connect may open a couple of TCP connections).
    expect(drop.connections() - tried).toBe(0);

    await new Promise((resolve) => drop.server.close(resolve));
    dropping = undefined;
    await waitForPortFree(lab.port);
    const back = await use.fixture(startLabHttp({ port: lab.port }));
    // Calls fail fast until the backoff lets one probe through; it connects and closes the circuit.
    const answer = await waitFor(() => echo().then(textOf), { timeoutMs: httpCircuit.maxBackoffMs + 5_000, intervalMs: 50 });
    expect(answer).toBe("echo:again");
    expect(serverStats(manager).circuit).toBe("closed");
    expect(await labStats(back)).toMatchObject({ sessionsOpened: 1 });
  });
});
