import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@mcp-pool/test-support/free-port";
import { startNginx, type Nginx } from "@mcp-pool/test-support/nginx";
import { waitFor } from "@mcp-pool/test-support/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, handshakeStatus, loopbackAddress } from "./helpers/chat-client.js";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";
import { labEntry } from "./helpers/servers.js";

/** Sockets per client address; anonymous users (auth off) are limited per address too. */
const PER_IP = 2;
const ANN = loopbackAddress(0);
const BOB = loopbackAddress(1);

/** One instance behind the shipped docs/deploy/nginx.conf, with `env` on top of the common settings. */
async function behindNginx(config: string, env: Record<string, string>): Promise<{ server: ServerProcess; nginx: Nginx }> {
  const port = await freePort();
  const server = await startServerProcess({
    HOST: "127.0.0.1",
    PORT: String(port),
    MCP_CONFIG: config,
    MAX_CONNECTIONS_PER_IP: String(PER_IP),
    ...env,
  });
  return { server, nginx: await startNginx([port]) };
}

describe("TRUST_PROXY: clients behind nginx", () => {
  let dir: string;
  let trusting: { server: ServerProcess; nginx: Nginx };
  let untrusting: { server: ServerProcess; nginx: Nginx };
  const open: ChatClient[] = [];

  const connect = async (url: string, localAddress: string) => {
    const client = await ChatClient.open(url, { localAddress });
    open.push(client);
    await client.until((f) => f.type === "ready");
    return client;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-trust-proxy-test-"));
    const config = join(dir, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { lab: labEntry() } }));
    // nginx reaches the instances from 127.0.0.1; the clients come from their own loopback addresses.
    [trusting, untrusting] = await Promise.all([behindNginx(config, { TRUST_PROXY: "127.0.0.1" }), behindNginx(config, {})]);
  });

  afterAll(async () => {
    await Promise.all(open.map((client) => client.close()));
    for (const stack of [trusting, untrusting]) {
      await stack?.nginx.stop();
      await stack?.server.stop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("counts two clients apart by X-Forwarded-For, and a forged hop does not free a client from its limit", async () => {
    const { server, nginx } = trusting;
    for (let i = 0; i < PER_IP; i++) await connect(nginx.url, ANN);
    expect((await handshakeStatus(nginx.url, { localAddress: ANN })).status).toBe(429);
    // What Ann writes into X-Forwarded-For stays left of the address nginx saw: she is still Ann.
    expect((await handshakeStatus(nginx.url, { localAddress: ANN, headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(429);

    for (let i = 0; i < PER_IP; i++) await connect(nginx.url, BOB);
    const opened = await waitFor(
      () => {
        const addresses = server.logs.filter((line) => line.msg === "socket opened").map((line) => line.remote_address);
        return addresses.length === 2 * PER_IP ? addresses : undefined;
      },
      { timeoutMs: 5000, what: "the server to log every socket it opened" },
    );
    expect([...opened!].sort()).toEqual([ANN, ANN, BOB, BOB].sort());
    const refused = server.logs.filter((line) => line.limit === "MAX_CONNECTIONS_PER_IP");
    expect(refused.map((line) => line.remote_address)).toEqual([ANN]);
  });

  it("names the forwarded client in the log of a refused request", async () => {
    const { server, nginx } = trusting;
    expect((await handshakeStatus(nginx.url, { localAddress: BOB, headers: { origin: "http://evil.example" } })).status).toBe(403);
    const refused = await waitFor(() => server.logs.find((line) => line.limit === "ALLOWED_ORIGINS"), {
      timeoutMs: 5000,
      what: "the refusal's log line",
    });
    expect(refused).toMatchObject({ remote_address: BOB });
  });

  it("without TRUST_PROXY counts every client behind nginx as nginx", async () => {
    const { nginx } = untrusting;
    for (let i = 0; i < PER_IP; i++) await connect(nginx.url, ANN);
    expect((await handshakeStatus(nginx.url, { localAddress: BOB })).status).not.toBe(101);
  });
});
