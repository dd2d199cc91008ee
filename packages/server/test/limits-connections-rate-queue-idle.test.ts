import { afterEach, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const slow = (ms: number, text: string) => `/call lab__slow_read ${JSON.stringify({ ms, text })}`;

describe("limits", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close({ graceMs: 500 });
    server = undefined;
  });

  it("closes the socket beyond MAX_CONNECTIONS with 1013 and admits one again when a slot frees", async () => {
    server = await startChatServer({ lab: labEntry() }, { maxConnections: 2 });
    const [first, second] = await Promise.all([ChatClient.open(server.url), ChatClient.open(server.url)]);
    const third = await ChatClient.open(server.url);
    expect(await third.closed).toMatchObject({ code: 1013 });

    await first.close();
    const fourth = await ChatClient.open(server.url);
    fourth.send({ type: "ping" });
    await fourth.until((f) => f.type === "pong");
    await Promise.all([second.close(), fourth.close()]);
  });

  it("answers rate_limited past the per-user question budget, and the budget is the user's, not the socket's", async () => {
    server = await startChatServer(
      { lab: labEntry() },
      {
        rateLimitQuestions: 3,
        rateLimitWindowS: 60,
        authTokens: new Map([
          ["tok-ann", "ann"],
          ["tok-bob", "bob"],
        ]),
      },
    );
    const [annA, annB, bob] = await Promise.all([
      ChatClient.open(server.url, { token: "tok-ann" }),
      ChatClient.open(server.url, { token: "tok-ann" }),
      ChatClient.open(server.url, { token: "tok-bob" }),
    ]);
    for (const question of ["/help", "/help"]) expect((await annA.ask("c1", question)).at(-1)?.type).toBe("answer");
    expect((await annB.ask("c2", "/help")).at(-1)?.type).toBe("answer");

    const limited = await annB.ask("c2", "/help");
    expect(limited).toEqual([{ type: "error", chat_id: "c2", code: "rate_limited", message: expect.stringMatching(/retry in \d+ s/) }]);
    expect((await annA.ask("c1", "/help")).at(-1)).toMatchObject({ code: "rate_limited" });
    expect((await bob.ask("c1", "/help")).at(-1)?.type).toBe("answer");
    await Promise.all([annA.close(), annB.close(), bob.close()]);
  });

  it("answers busy when more than MAX_QUEUED_TURNS wait in one chat, and runs the admitted ones in order", async () => {
    server = await startChatServer({ lab: labEntry() }, { maxQueuedTurns: 1 });
    const client = await ChatClient.open(server.url);
    client.send({ chat_id: "c1", question: slow(600, "first") });
    client.send({ chat_id: "c1", question: slow(10, "second") });
    client.send({ chat_id: "c1", question: slow(10, "third") });
    client.send({ chat_id: "c2", question: slow(10, "other chat") });

    const busy = await client.until((f) => f.type === "error");
    expect(busy).toMatchObject({ chat_id: "c1", code: "busy" });
    await client.until((f) => f.type === "answer" && f.text === "slow:second");
    const answers = client.frames.filter((f) => f.type === "answer").map((f) => f.type === "answer" && f.text);
    expect(answers).toEqual(["slow:other chat", "slow:first", "slow:second"]);
    await client.close();
  });

  it("closes a socket idle for IDLE_TIMEOUT_MS, but not one that pings or one whose turn is still running", async () => {
    server = await startChatServer({ lab: labEntry() }, { idleTimeoutMs: 1000 });
    const opening = Date.now();
    const [idle, pinging, working] = await Promise.all([
      ChatClient.open(server.url),
      ChatClient.open(server.url),
      ChatClient.open(server.url),
    ]);
    const pinger = setInterval(() => pinging.send({ type: "ping" }), 100);
    const turn = working.ask("c1", slow(2500, "long"));

    expect(await idle.closed).toEqual({ code: 1000, reason: "idle timeout" });
    expect(Date.now() - opening).toBeGreaterThanOrEqual(990);

    expect((await turn).at(-1)).toMatchObject({ type: "answer", text: "slow:long" });
    expect(pinging.socket.readyState).toBe(pinging.socket.OPEN);
    clearInterval(pinger);
    expect(await working.closed).toEqual({ code: 1000, reason: "idle timeout" });
    await pinging.close();
  });
});
