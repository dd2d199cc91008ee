import { describe, expect, it } from "vitest";
import { InMemoryConversationStore, type ChatMessage } from "../src/index.js";

const KiB = 1024;
const user = (content: string): ChatMessage => ({ role: "user", content });
const answer = (content: string): ChatMessage => ({ role: "assistant", content });
const text = (bytes: number) => "x".repeat(bytes);

describe("InMemoryConversationStore", () => {
  it("keeps conversations apart by owner and by chat", async () => {
    const store = new InMemoryConversationStore();
    await store.append("alice", "c1", [user("alice c1")]);
    await store.append("bob", "c1", [user("bob c1")]);
    await store.append("alice", "c2", [user("alice c2")]);
    expect(await store.load("alice", "c1")).toEqual([user("alice c1")]);
    expect(await store.load("bob", "c1")).toEqual([user("bob c1")]);
    expect(await store.load("alice", "c2")).toEqual([user("alice c2")]);
    expect(await store.load("bob", "c2")).toEqual([]);
  });

  it("does not confuse owners and chat ids that concatenate alike", async () => {
    const store = new InMemoryConversationStore();
    await store.append("a:b", "c", [user("one")]);
    expect(await store.load("a", "b:c")).toEqual([]);
  });

  it("gives and keeps copies: changing what was loaded or appended does not change what is stored", async () => {
    const store = new InMemoryConversationStore();
    const appended = user("original");
    await store.append("u", "c", [appended]);
    (appended as { content: string }).content = "changed after append";
    const loaded = await store.load("u", "c");
    (loaded[0] as { content: string }).content = "changed";
    loaded.push(user("extra"));
    expect(await store.load("u", "c")).toEqual([user("original")]);
  });

  it("keeps each owner within maxBytesPerOwner: their least recently used chats go first, then the oldest turns", async () => {
    const store = new InMemoryConversationStore({ maxBytesPerOwner: 8 * KiB });
    await store.append("u", "c1", [user(text(2 * KiB))]);
    await store.append("u", "c2", [user(text(2 * KiB))]);
    await store.append("u", "c3", [user(text(2 * KiB))]);
    await store.load("u", "c1"); // c2 is now the least recently used
    await store.append("u", "c3", [answer(text(2 * KiB))]);
    expect(await store.load("u", "c2")).toEqual([]);
    expect((await store.load("u", "c1")).length).toBe(1);
    expect(store.bytesOf("u")).toBeLessThanOrEqual(8 * KiB);

    // One chat alone over the bound (its owner's other chats already gone) loses its oldest whole turns.
    await store.append("u", "c3", [user("q2"), answer(text(5 * KiB))]);
    expect((await store.load("u", "c3")).map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(await store.load("u", "c1")).toEqual([]);
    expect(store.bytesOf("u")).toBeLessThanOrEqual(8 * KiB);
  });

  it("never lets one owner's traffic evict another owner's smaller history: beyond maxBytes the owner holding the most loses first", async () => {
    const store = new InMemoryConversationStore({ maxBytes: 64 * KiB, maxBytesPerOwner: 16 * KiB });
    await store.append("victim", "mine", [user("remember apple"), answer("ok")]);
    // 40 other owners, each filling their own bound in many chats, more than the whole store holds.
    for (let round = 0; round < 10; round++) {
      for (let owner = 0; owner < 40; owner++) await store.append(`other-${owner}`, `chat-${round}`, [user(text(2 * KiB))]);
    }
    expect(await store.load("victim", "mine")).toEqual([user("remember apple"), answer("ok")]);
    expect(store.bytes).toBeLessThanOrEqual(64 * KiB);
    for (let owner = 0; owner < 40; owner++) expect(store.bytesOf(`other-${owner}`)).toBeLessThanOrEqual(16 * KiB);
  });

  it("bounds 1,500 questions of 64 KB from one owner to maxBytesPerOwner", async () => {
    const store = new InMemoryConversationStore();
    for (let i = 0; i < 1500; i++) await store.append("u", `c${i % 20}`, [user(text(64 * KiB))]);
    expect(store.bytesOf("u")).toBeLessThanOrEqual(1024 * KiB);
    expect(store.bytes).toBe(store.bytesOf("u"));
  });

  it("stores nothing of a turn whose question was cut, so a history always starts with a question", async () => {
    const store = new InMemoryConversationStore({ maxBytesPerOwner: 4 * KiB });
    await store.append("u", "c", [user(`big question ${text(5 * KiB)}`)]);
    expect(await store.load("u", "c")).toEqual([]);
    await store.append("u", "c", [answer("the rest of that turn"), { role: "tool", tool_call_id: "t1", content: "x" }]);
    expect(await store.load("u", "c")).toEqual([]);
    await store.append("u", "c", [user("next"), answer("fine")]);
    expect(await store.load("u", "c")).toEqual([user("next"), answer("fine")]);
  });

  it("forgets every conversation of one owner with deleteOwner, and only theirs", async () => {
    const store = new InMemoryConversationStore();
    await store.append("anon-1", "a", [user("1")]);
    await store.append("anon-1", "b", [user("2")]);
    await store.append("ann", "a", [user("3")]);
    await store.deleteOwner("anon-1");
    expect(await store.load("anon-1", "a")).toEqual([]);
    expect(await store.load("anon-1", "b")).toEqual([]);
    expect(await store.load("ann", "a")).toEqual([user("3")]);
    expect(store.bytesOf("anon-1")).toBe(0);
    expect(store.bytes).toBe(store.bytesOf("ann"));
  });

  it("forgets a conversation idle longer than idleTtlMs", async () => {
    let now = 1_000;
    const store = new InMemoryConversationStore({ idleTtlMs: 100, now: () => now });
    await store.append("u", "old", [user("old")]);
    now += 60;
    await store.append("u", "recent", [user("recent")]);
    now += 60;
    expect(await store.load("u", "old")).toEqual([]);
    expect(await store.load("u", "recent")).toEqual([user("recent")]);
  });

  it("keeps at most maxMessagesPerConversation, cut at a question", async () => {
    const store = new InMemoryConversationStore({ maxMessagesPerConversation: 3 });
    await store.append("u", "c", [user("q1"), { role: "assistant", content: "a1" }]);
    await store.append("u", "c", [user("q2"), { role: "assistant", content: "a2" }]);
    expect(await store.load("u", "c")).toEqual([user("q2"), { role: "assistant", content: "a2" }]);
  });

  it("deletes one conversation", async () => {
    const store = new InMemoryConversationStore();
    await store.append("u", "c", [user("x")]);
    await store.delete("u", "c");
    expect(await store.load("u", "c")).toEqual([]);
  });

  it("rejects bounds that are not positive", () => {
    expect(() => new InMemoryConversationStore({ maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => new InMemoryConversationStore({ maxBytesPerOwner: -1 })).toThrow(/maxBytesPerOwner/);
  });
});
