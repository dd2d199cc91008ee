import type { ChatMessage } from "@mcp-pool/agent";
import { startRedisServer, type RedisServer } from "@mcp-pool/test-support/redis-server";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, type RedisConnection } from "../src/redis-connection.js";
import { RedisConversationStore } from "../src/redis-conversation-store.js";

const KiB = 1024;
const user = (content: string): ChatMessage => ({ role: "user", content });
const answer = (content: string): ChatMessage => ({ role: "assistant", content });
const text = (bytes: number) => "x".repeat(bytes);

let redis: RedisServer;
const connections: RedisConnection[] = [];
let prefixes = 0;

/** A store on its own connection and key prefix, as one instance would have. */
async function storeOn(options: { prefix?: string; maxBytesPerOwner?: number; ttlMs?: number } = {}) {
  const connection = await connectRedis(redis.url, pino({ level: "silent" }));
  connections.push(connection);
  const client = connection.client;
  const store = new RedisConversationStore(client, {
    prefix: options.prefix ?? `t${++prefixes}:`,
    maxBytesPerOwner: options.maxBytesPerOwner ?? 1024 * KiB,
    ttlMs: options.ttlMs ?? 60_000,
  });
  return { store, client };
}

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await redis?.stop();
});

describe("RedisConversationStore", () => {
  it("is shared by instances and keeps conversations apart by owner and chat", async () => {
    const { store: a } = await storeOn({ prefix: "shared:" });
    const { store: b } = await storeOn({ prefix: "shared:" });
    await a.append("alice", "c1", [user("alice c1")]);
    await a.append("a:b", "c", [user("one")]);
    await b.append("alice", "c1", [answer("hi alice")]);
    expect(await b.load("alice", "c1")).toEqual([user("alice c1"), answer("hi alice")]);
    expect(await a.load("alice", "c1")).toEqual([user("alice c1"), answer("hi alice")]);
    expect(await a.load("bob", "c1")).toEqual([]);
    expect(await a.load("a", "b:c")).toEqual([]);
    await b.deleteOwner("alice");
    expect(await a.load("alice", "c1")).toEqual([]);
  });

  it("keeps each owner within maxBytesPerOwner: their least recently used chats go first, then the oldest turns", async () => {
    const { store } = await storeOn({ maxBytesPerOwner: 8 * KiB });
    await store.append("u", "c1", [user(text(2 * KiB))]);
    await store.append("u", "c2", [user(text(2 * KiB))]);
    await store.append("u", "c3", [user(text(2 * KiB))]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.load("u", "c1"); // c2 is now the least recently used
    await store.append("u", "c3", [answer(text(2 * KiB))]);
    expect(await store.load("u", "c2")).toEqual([]);
    expect((await store.load("u", "c1")).length).toBe(1);
    expect(await store.bytesOf("u")).toBeLessThanOrEqual(8 * KiB);

    await store.append("u", "c3", [user("q2"), answer(text(5 * KiB))]);
    expect((await store.load("u", "c3")).map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(await store.load("u", "c1")).toEqual([]);
    expect(await store.bytesOf("u")).toBeLessThanOrEqual(8 * KiB);
  });

  it("bounds 300 questions of 16 KB from one owner to maxBytesPerOwner", async () => {
    const { store } = await storeOn({ maxBytesPerOwner: 256 * KiB });
    for (let i = 0; i < 300; i++) await store.append("heavy", `chat-${i % 7}`, [user(`${i} ${text(16 * KiB)}`), answer(`a${i}`)]);
    expect(await store.bytesOf("heavy")).toBeLessThanOrEqual(256 * KiB);
    const newest = await store.load("heavy", `chat-${299 % 7}`);
    expect(newest.at(-1)).toEqual(answer("a299"));
  });

  it("forgets a conversation unused for its TTL", async () => {
    const { store, client } = await storeOn({ prefix: "ttl:", ttlMs: 300 });
    await store.append("u", "c", [user("soon gone")]);
    expect(await client.pttl('ttl:chat:["u","c"]')).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await store.load("u", "c")).toEqual([]);
  });

  it("shows a question whose turn died before its answer as interrupted, and keeps the mark once the next turn asks", async () => {
    const { store, client } = await storeOn({ prefix: "int:" });
    // A live turn's question is not interrupted; the same question after the turn's key is gone is.
    await client.set("int:turn:t1", "1", "PX", 60_000);
    await store.append("u", "c", [user("first")], { part: "question" });
    await store.append("u", "c", [answer("one")], { part: "answer" });
    await store.append("u", "c", [user("second")], { part: "question", fence: undefined });
    await client.set('int:pending:["u","c"]', "t1");
    expect((await store.load("u", "c")).at(-1)).toEqual(user("second"));
    await client.del("int:turn:t1");
    expect((await store.load("u", "c")).at(-1)).toEqual({ role: "user", content: "second", interrupted: true });
    await store.append("u", "c", [user("third")], { part: "question" });
    await store.append("u", "c", [answer("three")], { part: "answer" });
    expect(await store.load("u", "c")).toEqual([
      user("first"),
      answer("one"),
      { role: "user", content: "second", interrupted: true },
      user("third"),
      answer("three"),
    ]);
  });

  it("fails with store_unavailable while Redis is down, and works again when it is back", async () => {
    const { store } = await storeOn();
    await store.append("u", "c", [user("before")]);
    await redis.kill("SIGKILL");
    await expect(store.load("u", "c")).rejects.toMatchObject({ code: "store_unavailable" });
    await redis.restart();
    await expect
      .poll(
        () =>
          store.load("u", "c").then(
            () => "ok",
            (e: { code?: string }) => e.code,
          ),
        { timeout: 10_000 },
      )
      .toBe("ok");
  });
});
