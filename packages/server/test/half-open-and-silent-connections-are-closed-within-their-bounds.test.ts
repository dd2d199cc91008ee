import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mcp-pool/test-support/processes";
import { ChatClient } from "./helpers/chat-client.js";
import { captureLogs, findLog } from "./helpers/log-capture.js";
import { connectRaw, openRawWebSocket, type RawConnection } from "./helpers/raw-socket.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const HEADERS_TIMEOUT_MS = 1000;
/** Node checks for expired requests every headersTimeout / 4; the socket's close is seen a moment later. */
const CLOSE_SLACK_MS = 1500;
const MAX_CONNECTIONS_PER_IP = 8;
/** Another loopback address: connections from it are "another client" to the server on 127.0.0.1. */
const ATTACKER = "127.0.0.2";

/** Resolves true once the server has let the connection go for good: a write to it is answered with a reset. */
async function released(connection: RawConnection, timeoutMs = 2000): Promise<boolean> {
  const gone = new Promise<true>((resolve) => connection.socket.once("close", () => resolve(true)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (connection.socket.destroyed) return true;
    connection.socket.write("x");
    const done = await Promise.race([gone, new Promise<false>((resolve) => setTimeout(() => resolve(false), 100))]);
    if (done) return true;
  }
  return false;
}

describe("half-open connections (HEADERS_TIMEOUT_MS, refused upgrades, 1013)", () => {
  let server: TestServer;
  const { logger, lines } = captureLogs();
  beforeAll(async () => {
    server = await startChatServer({ lab: labEntry() }, { headersTimeoutMs: HEADERS_TIMEOUT_MS, maxConnections: 2, logger });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("closes a connection that sends nothing, partial headers, or an unfinished upgrade, each within HEADERS_TIMEOUT_MS", async () => {
    const silent = await connectRaw(server.url);
    const partial = await connectRaw(server.url);
    partial.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const upgrade = await connectRaw(server.url);
    upgrade.socket.write(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
    );

    const times = await Promise.all([silent.closed, partial.closed, upgrade.closed]);
    for (const ms of times) {
      expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS);
    }
    console.info(
      `[slowloris] HEADERS_TIMEOUT_MS ${HEADERS_TIMEOUT_MS}: silent, partial headers, unfinished upgrade closed after ${times.join(", ")} ms`,
    );
    expect(
      findLog(lines, { limit: "HEADERS_TIMEOUT_MS", msg: "connection closed: no request", remote_address: "127.0.0.1" }),
    ).toBeDefined();
  });

  it("closes a kept-alive connection whose next request's headers never end, within HEADERS_TIMEOUT_MS, with 408", async () => {
    const connection = await connectRaw(server.url);
    connection.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await waitFor(() => connection.received().toString().includes('"status":"ok"'), { what: "the first answer" });
    const startedAt = Date.now();
    connection.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await connection.closed;
    expect(Date.now() - startedAt).toBeLessThan(HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS);
    expect(connection.received().toString()).toMatch(/HTTP\/1\.1 408 Request Timeout/);
    expect(findLog(lines, { limit: "HEADERS_TIMEOUT_MS", msg: "connection closed: request too slow" })).toBeDefined();
  });

  it("lets go of a refused upgrade at once, even when the client never closes its side", async () => {
    const refused = await openRawWebSocket(server.url, { path: "/no-such-path" });
    expect(refused.status).toBe(404);
    await refused.closed;
    expect(await released(refused)).toBe(true);
  });

  it("sends 1013 past MAX_CONNECTIONS and lets the connection go at once, though the client never answers the close", async () => {
    const [first, second] = await Promise.all([ChatClient.open(server.url), ChatClient.open(server.url)]);
    const third = await openRawWebSocket(server.url);
    expect(third.status).toBe(101);
    const closedAfter = await third.closed;
    // The close frame: 0x88, length, then the code 1013 (0x03f5).
    expect(third.received().toString("latin1")).toContain("\x88\x16\x03\xf5too many connections");
    expect(closedAfter).toBeLessThan(CLOSE_SLACK_MS);
    expect(await released(third)).toBe(true);
    expect(findLog(lines, { limit: "MAX_CONNECTIONS", msg: "connection refused", remote_address: "127.0.0.1" })).toBeDefined();
    await Promise.all([first.close(), second.close()]);
  });
});

describe("many silent connections from one address (MAX_CONNECTIONS_PER_IP)", () => {
  let server: TestServer;
  const { logger, lines } = captureLogs();
  beforeAll(async () => {
    // A long headers timeout: here the silent connections must not be closed by it during the test.
    server = await startChatServer(
      { lab: labEntry() },
      { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnectionsPerIp: MAX_CONNECTIONS_PER_IP, logger },
    );
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("refuses the ones past the cap at once, logs it, and keeps serving everyone else", async () => {
    const silent = await Promise.all(Array.from({ length: 200 }, () => connectRaw(server.url, { localAddress: ATTACKER })));
    let closedCount = 0;
    for (const connection of silent) void connection.closed.then(() => (closedCount += 1));
    await waitFor(() => closedCount >= silent.length - MAX_CONNECTIONS_PER_IP, {
      timeoutMs: 5000,
      what: "the connections past the cap to be closed",
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closedCount).toBe(silent.length - MAX_CONNECTIONS_PER_IP);
    expect(findLog(lines, { limit: "MAX_CONNECTIONS_PER_IP", msg: "connection refused", remote_address: ATTACKER })).toMatchObject({
      max_connections_per_ip: MAX_CONNECTIONS_PER_IP,
    });

    // Another address is served as usual while the attacker holds its cap.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const user = await ChatClient.open(server.url);
    expect((await user.ask("c1", '/call lab__echo {"text":"hi"}')).at(-1)).toMatchObject({ type: "answer" });
    await user.close();
    for (const connection of silent) connection.socket.destroy();
  });
});
