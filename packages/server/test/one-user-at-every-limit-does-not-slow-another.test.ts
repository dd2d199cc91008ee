import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mcp-pool/test-support/processes";
import { ChatClient, loopbackAddress } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const MAX_SOCKETS_PER_USER = 4;
const RATE_LIMIT_QUESTIONS = 30;
/** How much slower another user's echo may be while the hog holds everything it may: a small factor. */
const LATENCY_FACTOR = 5;
/** Echoes per measurement: twice that and a warm-up stay within the other user's own rate limit. */
const ECHOES = 11;
const slow = (text: string) => `/call lab__slow_read {"ms":20000,"text":"${text}"}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

async function echoLatencies(client: ChatClient, label: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < ECHOES; i++) {
    const started = performance.now();
    const end = (await client.ask(`${label}-${i}`, '/call lab__echo {"text":"hi"}')).at(-1);
    latencies.push(performance.now() - started);
    expect(end).toMatchObject({ type: "answer", text: "echo:hi" });
  }
  return latencies;
}

describe("a user at every limit (MAX_SOCKETS_PER_USER, the rate limit, maxCallsPerSession per user)", () => {
  let server: TestServer;
  beforeAll(async () => {
    // 8 call slots in all; each user may hold 2 of them at once, whatever their number of sockets.
    server = await startChatServer(
      { lab: labEntry({ maxCallsPerSession: 2, pool: { maxConnections: 2, maxCallsPerConnection: 4 } }) },
      {
        authTokens: new Map([
          ["tok-hog", "hog"],
          ["tok-other", "other"],
        ]),
        maxSocketsPerUser: MAX_SOCKETS_PER_USER,
        maxConnections: MAX_SOCKETS_PER_USER + 2,
        rateLimitQuestions: RATE_LIMIT_QUESTIONS,
      },
    );
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("does not move another user's echo latency beyond a small factor of the same-run baseline", async () => {
    const other = await ChatClient.open(server.url, { token: "tok-other" });
    expect((await other.ask("warm", '/call lab__echo {"text":"hi"}')).at(-1)).toMatchObject({ type: "answer" });
    const baseline = median(await echoLatencies(other, "before"));

    // The hog: every socket it may open (one more is refused), every question its rate limit allows,
    // each a 20 s call, spread over many chats.
    const hog = await Promise.all(Array.from({ length: MAX_SOCKETS_PER_USER }, () => ChatClient.open(server.url, { token: "tok-hog" })));
    const refused = await ChatClient.open(server.url, { token: "tok-hog" });
    expect(await refused.closed).toEqual({ code: 1013, reason: "too many sockets for this user" });
    for (let q = 0; q < RATE_LIMIT_QUESTIONS + 5; q++) hog[q % hog.length]!.send({ chat_id: `hog-${q}`, question: slow(`h${q}`) });
    await waitFor(
      () => hog.reduce((n, socket) => n + socket.frames.filter((f) => f.type === "error" && f.code === "rate_limited").length, 0) === 5,
      {
        what: "the questions past the rate limit to be refused",
      },
    );
    const lab = () => server.manager.stats().servers[0]!;
    await waitFor(() => lab().callsInFlight + lab().waiting === RATE_LIMIT_QUESTIONS, { what: "every hog call to reach the pool" });

    const under = median(await echoLatencies(other, "during"));
    console.info(
      `[fairness] another user's echo: median ${baseline.toFixed(1)} ms alone, ${under.toFixed(1)} ms beside a hog at every limit`,
    );
    expect(under).toBeLessThan(LATENCY_FACTOR * baseline);
    // The hog holds its share of the pool (2 calls), not the pool; the rest of its calls wait their turn.
    expect(lab()).toMatchObject({ callsInFlight: 2, waiting: RATE_LIMIT_QUESTIONS - 2 });
    await Promise.all([other, ...hog].map((client) => client.close()));
  });
});

describe("anonymous users (auth off): limited per remote address", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startChatServer({ lab: labEntry() }, { maxSocketsPerUser: 2, rateLimitQuestions: 3 });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("counts sockets and questions per address, while each socket keeps its own conversations", async () => {
    const [first, second] = await Promise.all([ChatClient.open(server.url), ChatClient.open(server.url)]);
    expect(first.ready.user_id).not.toBe(second.ready.user_id);
    const third = await ChatClient.open(server.url);
    expect(await third.closed).toEqual({ code: 1013, reason: "too many sockets for this user" });
    const elsewhere = await ChatClient.open(server.url, { localAddress: loopbackAddress(0) });

    for (const client of [first, second, first]) expect((await client.ask("c", "/help")).at(-1)?.type).toBe("answer");
    expect((await second.ask("c", "/help")).at(-1)).toMatchObject({ code: "rate_limited" });
    expect((await elsewhere.ask("c", "/help")).at(-1)?.type).toBe("answer");
    await Promise.all([first, second, elsewhere].map((client) => client.close()));
  });
});
