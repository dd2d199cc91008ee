import { PassThrough } from "node:stream";
import { PooledMCPServerManager } from "mcp-pool";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { Authenticator } from "../src/auth.js";
import { createLogger } from "../src/index.js";
import { ServerMetrics } from "../src/metrics.js";
import { ReadinessCheck } from "../src/readiness.js";

describe("a route that throws", () => {
  const manager = new PooledMCPServerManager({ mcpServers: {} });
  const metrics = new ServerMetrics(manager, () => ({ sockets: 0, sessions: 0, users: 0 }));
  afterAll(async () => {
    metrics.close();
    await manager.close();
  });

  it("answers 500 without the error's text and logs the error through pino", async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new PassThrough();
    stream.on("data", (chunk: Buffer) => {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    });
    const { app } = createApp({
      auth: new Authenticator({ authTokens: new Map(), jwtSecret: undefined }),
      allowedOrigins: [],
      metrics,
      readiness: new ReadinessCheck(manager, 0),
      stats: async () => {
        throw new Error("stats store is down: secret-detail");
      },
      isClosing: () => false,
      logger: createLogger("info", stream),
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
