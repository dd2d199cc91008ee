import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { startRedisServer, type RedisServer } from "@mcp-pool/test-support/redis-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const readiness = async (server: TestServer) => {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { store?: { ready: boolean; reason?: string } } };
};

describe("two instances on one Redis (REDIS_URL)", () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    llm = await startFakeLlm();
    // The model answers with the questions it was sent: each answer shows the memory its turn got.
    llm.script((request) => {
      const questions = request.messages.filter((m) => m.role === "user").map((m) => m.content);
      // "slow": the model first calls a tool that takes 1.5 s, time for Redis to go away under the turn.
      if (questions.at(-1) === "slow" && request.messages.at(-1)?.role === "user") {
        return { toolCalls: [{ name: "lab__slow_read", arguments: JSON.stringify({ ms: 1500, text: "done" }) }] };
      }
      return { text: `seen: ${questions.join(" | ")}` };
    });
    const options = {
      llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake", maxRetries: 0 },
      redisUrl: redis.url,
      authTokens: new Map([
        ["tok-ann", "ann"],
        ["tok-bob", "bob"],
      ]),
      rateLimitQuestions: 4,
      readyCacheMs: 0,
    };
    [a, b] = await Promise.all([startChatServer({ lab: labEntry() }, options), startChatServer({ lab: labEntry() }, options)]);
  });

  afterAll(async () => {
    await Promise.all([a?.close({ graceMs: 500 }), b?.close({ graceMs: 500 })]);
    await llm?.close();
    await redis?.stop();
  });

  it("continues a conversation begun on one instance on the other, and counts one user's questions across both", async () => {
    const [annA, annB, bobB] = await Promise.all([
      ChatClient.open(a.url, { token: "tok-ann" }),
      ChatClient.open(b.url, { token: "tok-ann" }),
      ChatClient.open(b.url, { token: "tok-bob" }),
    ]);
    expect((await annA.ask("c1", "apple")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple" });
    expect((await annB.ask("c1", "pear")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple | pear" });
    expect((await annA.ask("c1", "plum")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple | pear | plum" });
    // Another user's chat of the same id is theirs alone.
    expect((await bobB.ask("c1", "fig")).at(-1)).toMatchObject({ type: "answer", text: "seen: fig" });

    // Four questions per window: ann's fourth is on B, her fifth is refused on either instance; bob's budget is his own.
    expect((await annB.ask("c2", "four")).at(-1)).toMatchObject({ type: "answer" });
    expect((await annA.ask("c2", "five")).at(-1)).toMatchObject({ type: "error", code: "rate_limited" });
    expect((await annB.ask("c2", "five")).at(-1)).toMatchObject({ type: "error", code: "rate_limited" });
    expect((await bobB.ask("c2", "two")).at(-1)).toMatchObject({ type: "answer" });
    await Promise.all([annA.close(), annB.close(), bobB.close()]);
  });

  it("says 503 on /readyz and store_unavailable to the turn under way and to new questions while Redis is down, without crashing, and recovers when it returns", async () => {
    const bob = await ChatClient.open(a.url, { token: "tok-bob" });
    expect((await bob.ask("r1", "before")).at(-1)).toMatchObject({ type: "answer" });
    expect(await readiness(a)).toMatchObject({ status: 200, body: { store: { ready: true } } });

    // A turn under way when Redis dies ends cleanly: one final frame, its messages not stored.
    const from = bob.frames.length;
    bob.send({ chat_id: "r1", question: "slow" });
    await bob.until((f) => f.type === "tool_call", from);
    await redis.kill("SIGKILL");
    expect(await bob.until((f) => f.type === "answer" || f.type === "error", from)).toMatchObject({
      type: "error",
      chat_id: "r1",
      code: "store_unavailable",
    });
    await expect.poll(async () => (await readiness(a)).status, { timeout: 10_000 }).toBe(503);
    expect((await readiness(b)).body.store).toMatchObject({
      ready: false,
      reason: expect.stringMatching(/^redis_(connecting|reconnecting)$/),
    });
    expect((await bob.ask("r1", "during")).at(-1)).toMatchObject({ type: "error", chat_id: "r1", code: "store_unavailable" });
    bob.send({ type: "ping" });
    await bob.until((f) => f.type === "pong");

    // Same port, empty (no persistence in tests): the instances reconnect by themselves.
    await redis.restart();
    await expect.poll(async () => (await readiness(a)).status, { timeout: 15_000 }).toBe(200);
    await expect.poll(async () => (await readiness(b)).status, { timeout: 15_000 }).toBe(200);
    expect((await bob.ask("r2", "after")).at(-1)).toMatchObject({ type: "answer", text: "seen: after" });
    await bob.close();
  });

  it("says 503 on /readyz while Redis hangs with its connections open (SIGSTOP), and 200 once it answers again", async () => {
    process.kill(redis.pid, "SIGSTOP");
    try {
      await expect.poll(async () => (await readiness(a)).body.store?.reason, { timeout: 15_000 }).toBe("redis_unresponsive");
      expect((await readiness(a)).status).toBe(503);
    } finally {
      process.kill(redis.pid, "SIGCONT");
    }
    await expect.poll(async () => (await readiness(a)).status, { timeout: 15_000 }).toBe(200);
  });
});
