import { PooledMCPServerManager } from "mcp-pool";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { Authenticator } from "../src/auth.js";
import { ClientAddresses } from "../src/client-address.js";
import { PerAddressCount } from "../src/connection-guard.js";
import { ServerMetrics } from "../src/metrics.js";
import { ReadinessCheck } from "../src/readiness.js";
import { RefusalLog } from "../src/refusal-log.js";
import { captureLogs } from "./helpers/log-capture.js";

describe("a route that throws", () => {
  const manager = new PooledMCPServerManager({ mcpServers: {} });
  const metrics = new ServerMetrics(manager, () => ({ sockets: 0, sessions: 0, users: 0 }));
  afterAll(async () => {
    metrics.close();
    await manager.close();
  });

  it("answers 500 without the error's text and logs the error through pino", async () => {
    const { logger, lines } = captureLogs();
    const { app } = createApp({
      auth: new Authenticator({ authTokens: new Map(), jwtSecret: undefined }),
      allowedOrigins: [],
      allowedHosts: [],
      boundToLoopback: false,
      refusals: new RefusalLog(logger, () => {}),
      clientAddresses: new ClientAddresses(undefined),
      proxiedClients: new PerAddressCount(64),
      metrics,
      readiness: new ReadinessCheck(manager, 0),
      stats: async () => {
        throw new Error("stats store is down: secret-detail");
      },
      isClosing: () => false,
      logger,
      socketEvents: () => ({}),
    });

    const response = await app.request("/api/stats");

    expect(response.status).toBe(500);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ error: "internal" });
    expect(body).not.toContain("secret-detail");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: "request failed",
        method: "GET",
        path: "/api/stats",
        err: expect.objectContaining({ message: "stats store is down: secret-detail" }),
      }),
    );
  });
});
