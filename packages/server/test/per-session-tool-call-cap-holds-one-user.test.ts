import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, loopbackAddress } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

describe("the per-session tool-call cap (maxCallsPerSession in the MCP config)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startChatServer({ lab: labEntry({ maxCallsPerSession: 1, pool: { maxConnections: 2 } }) });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("lets one user's chats call one at a time while another user's call runs beside them", async () => {
    // Two anonymous users: from two addresses (one address is one anonymous user's share).
    const [greedy, other] = await Promise.all([
      ChatClient.open(server.url),
      ChatClient.open(server.url, { localAddress: loopbackAddress(0) }),
    ]);
    await other.ask("warm", '/call lab__echo {"text":"warm"}');

    const greedyTurns = ["a", "b", "c"].map((chat) => greedy.ask(chat, `/call lab__slow_read {"ms":300,"text":"${chat}"}`));
    const otherTurn = other.ask("x", '/call lab__slow_read {"ms":300,"text":"x"}');

    const otherFrames = await otherTurn;
    expect(otherFrames.at(-1)).toMatchObject({ type: "answer", text: "slow:x" });
    for (const [i, turn] of greedyTurns.entries()) {
      expect((await turn).at(-1)).toMatchObject({ type: "answer", text: `slow:${"abc"[i]}` });
    }
    // One call at a time: each 300 ms call ends at least 300 ms after the one before it.
    const resultTimes = greedy.frames.flatMap((f, i) => (f.type === "tool_result" ? [greedy.arrivals[i]!] : []));
    expect(resultTimes).toHaveLength(3);
    expect(resultTimes[1]! - resultTimes[0]!).toBeGreaterThanOrEqual(280);
    expect(resultTimes[2]! - resultTimes[1]!).toBeGreaterThanOrEqual(280);
    // The other user was not held behind them: its call ended before the greedy user's last one.
    const otherResult = other.frames.findIndex((f) => f.type === "tool_result" && f.chat_id === "x");
    expect(other.arrivals[otherResult]!).toBeLessThan(resultTimes[2]!);
    await Promise.all([greedy.close(), other.close()]);
  });
});
