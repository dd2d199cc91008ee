import { describe, expect, it } from "vitest";
import { InMemoryConversationStore, type ChatMessage } from "../src/index.js";

const user = (content: string): ChatMessage => ({ role: "user", content });

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

  it("gives copies: changing what was loaded does not change what is stored", async () => {
    const store = new InMemoryConversationStore();
    await store.append("u", "c", [user("original")]);
    const loaded = await store.load("u", "c");
    (loaded[0] as { content: string }).content = "changed";
    loaded.push(user("extra"));
    expect(await store.load("u", "c")).toEqual([user("original")]);
  });

  it("forgets the least recently used conversation beyond maxConversations", async () => {
    const store = new InMemoryConversationStore({ maxConversations: 2 });
    await store.append("u", "c1", [user("1")]);
    await store.append("u", "c2", [user("2")]);
    await store.load("u", "c1"); // c1 is now the most recently used
    await store.append("u", "c3", [user("3")]);
    expect(store.size).toBe(2);
    expect(await store.load("u", "c2")).toEqual([]);
    expect(await store.load("u", "c1")).toEqual([user("1")]);
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
    expect(() => new InMemoryConversationStore({ maxConversations: 0 })).toThrow(/maxConversations/);
  });
});
