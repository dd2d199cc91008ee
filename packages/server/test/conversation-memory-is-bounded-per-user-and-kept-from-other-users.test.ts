import { InMemoryConversationStore } from "@mcp-pool/agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { waitFor } from "@mcp-pool/test-support/processes";
import { ChatClient } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const KiB = 1024;
const OTHERS = 10;
/** Each other user asks this many questions of 4 KiB: twice their 16 KiB bound. */
const QUESTIONS_EACH = 8;

describe("conversation memory under many users (MAX_HISTORY_BYTES_PER_USER, MAX_STORE_BYTES)", () => {
  let llm: FakeLlm;
  let server: TestServer;
  let anonymous: TestServer;
  const anonymousMemory = new InMemoryConversationStore();

  beforeAll(async () => {
    llm = await startFakeLlm();
    // The model answers with the questions it was sent: each answer shows the memory its turn got.
    llm.script((request) => ({
      text: `seen: ${request.messages
        .filter((m) => m.role === "user")
        .map((m) => m.content?.split(" ")[0])
        .join(" | ")}`,
    }));
    const settings = { apiKey: "test", baseURL: llm.baseURL, model: "fake", maxRetries: 0 };
    const tokens = new Map([
      ["tok-victim", "victim"],
      ...Array.from({ length: OTHERS }, (_, i) => [`tok-${i}`, `other-${i}`] as [string, string]),
    ]);
    server = await startChatServer(
      { lab: labEntry() },
      {
        llm: settings,
        authTokens: tokens,
        maxHistoryBytesPerUser: 16 * KiB,
        // Less than the others' 10 x 16 KiB: the store must evict, and must not evict the victim.
        maxStoreBytes: 64 * KiB,
      },
    );
    anonymous = await startChatServer({ lab: labEntry() }, { llm: settings, memory: anonymousMemory });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
    await anonymous?.close({ graceMs: 500 });
    await llm?.close();
  });

  it("keeps a user's chat while 10 other users overfill the store within their rate limits; their own oldest chats go", async () => {
    const victim = await ChatClient.open(server.url, { token: "tok-victim" });
    expect((await victim.ask("mine", "apple")).at(-1)).toMatchObject({ text: "seen: apple" });

    const padding = "p".repeat(4 * KiB);
    const others = await Promise.all(Array.from({ length: OTHERS }, (_, i) => ChatClient.open(server.url, { token: `tok-${i}` })));
    const turns = others.flatMap((other, i) =>
      Array.from({ length: QUESTIONS_EACH }, (_, q) => other.ask(`chat-${q}`, `q${i}-${q} ${padding}`)),
    );
    for (const turn of await Promise.all(turns)) expect(turn.at(-1)).toMatchObject({ type: "answer" });

    expect((await victim.ask("mine", "and?")).at(-1)).toMatchObject({ text: "seen: apple | and?" });
    // 8 questions of 4 KiB do not fit in 16 KiB: the first chat of each other user was dropped.
    const first = await others[0]!.ask("chat-0", "again?");
    expect(first.at(-1)).toMatchObject({ text: "seen: again?" });
    await Promise.all([victim, ...others].map((c) => c.close()));
  });

  it("forgets an anonymous user's chats when their socket closes", async () => {
    const client = await ChatClient.open(anonymous.url);
    await client.ask("c1", "remember me");
    const owner = client.ready.user_id;
    expect(anonymousMemory.bytesOf(owner)).toBeGreaterThan(0);
    await client.close();
    await waitFor(() => anonymousMemory.bytesOf(owner) === 0, { what: "the anonymous user's chats to be dropped" });
    expect(anonymousMemory.size).toBe(0);
  });
});
