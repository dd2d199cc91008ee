import { describe, expect, it } from "vitest";
import { DEFAULT_MCP_CONFIG, SettingsError, settingsFromEnv } from "../src/index.js";

describe("settings from the environment", () => {
  it("has defaults that run the demo on loopback", () => {
    const settings = settingsFromEnv({});
    expect(settings).toMatchObject({ port: 3000, host: "127.0.0.1", mcpConfig: DEFAULT_MCP_CONFIG, logLevel: "info" });
    expect(settings.authTokens.size).toBe(0);
    expect(settings.jwtSecret).toBeUndefined();
  });

  it("reads every variable", () => {
    const settings = settingsFromEnv({
      PORT: "8080",
      HOST: "0.0.0.0",
      MAX_CONNECTIONS: "5",
      MAX_FRAME_BYTES: "1024",
      RATE_LIMIT_QUESTIONS: "2",
      AUTH_TOKENS: "t1:ann, t2:bob",
      ALLOWED_ORIGINS: "https://a.example, https://b.example",
      LOG_LEVEL: "debug",
      MAX_SOCKETS_PER_USER: "3",
      MAX_CONNECTIONS_PER_IP: "9",
      HEADERS_TIMEOUT_MS: "2000",
      REQUEST_TIMEOUT_MS: "3000",
      MAX_SEND_BUFFER_BYTES: "65536",
      SEND_STALL_MS: "500",
    });
    expect(settings).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      maxConnections: 5,
      maxFrameBytes: 1024,
      rateLimitQuestions: 2,
      logLevel: "debug",
    });
    expect(settings).toMatchObject({
      maxSocketsPerUser: 3,
      maxConnectionsPerIp: 9,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      maxSendBufferBytes: 65536,
      sendStallMs: 500,
    });
    expect([...settings.authTokens]).toEqual([
      ["t1", "ann"],
      ["t2", "bob"],
    ]);
    expect(settings.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
  });

  it("uses no Redis unless REDIS_URL is set, and reads the Redis settings", () => {
    expect(settingsFromEnv({})).toMatchObject({ redisUrl: undefined, conversationTtlS: 3600 });
    const settings = settingsFromEnv({
      REDIS_URL: "redis://:secret@10.0.0.5:6380/2",
      REDIS_PREFIX: "chat:",
      CONVERSATION_TTL_S: "60",
      TURN_LOCK_MS: "5000",
    });
    expect(settings).toMatchObject({
      redisUrl: "redis://:secret@10.0.0.5:6380/2",
      redisPrefix: "chat:",
      conversationTtlS: 60,
      turnLockMs: 5000,
    });
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ MAX_CONNECTIONS: "0" }, "MAX_CONNECTIONS"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ AUTH_TOKENS: "justatoken" }, "AUTH_TOKENS"],
    [{ JWT_SECRET: "short" }, "JWT_SECRET"],
    [{ MAX_SEND_BUFFER_BYTES: "1000" }, "MAX_SEND_BUFFER_BYTES"],
    [{ HEADERS_TIMEOUT_MS: "20000", REQUEST_TIMEOUT_MS: "10000" }, "REQUEST_TIMEOUT_MS"],
    [{ REDIS_URL: "127.0.0.1:6379" }, "REDIS_URL"],
    [{ CONVERSATION_TTL_S: "0" }, "CONVERSATION_TTL_S"],
    [{ TURN_LOCK_MS: "10" }, "TURN_LOCK_MS"],
    [{ TRUST_PROXY: "10.0.0.0/33" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "127.0.0.1, nginx.internal" }, "TRUST_PROXY"],
  ])("rejects %j naming %s", (env, key) => {
    expect(() => settingsFromEnv(env)).toThrow(SettingsError);
    expect(() => settingsFromEnv(env)).toThrow(new RegExp(`^${key}: `));
  });
});
