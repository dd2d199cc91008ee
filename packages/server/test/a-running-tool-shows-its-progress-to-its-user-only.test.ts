// A tool that reports progress: its user gets `tool_progress` frames (snake_case, as docs/protocol.md shows)
// between the call's `tool_call` and its `tool_result`, a few a second at most however fast the server sends
// them; another user connected meanwhile gets none of them.
import { PROGRESS_INTERVAL_MS } from "@mcp-pool/agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, loopbackAddress } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

describe("a running tool's progress", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startChatServer({ lab: labEntry() });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("reaches its user as tool_progress frames between tool_call and tool_result, and no one else", async () => {
    const user = await ChatClient.open(server.url, { localAddress: loopbackAddress(1) });
    const other = await ChatClient.open(server.url, { localAddress: loopbackAddress(2) });
    const startedAt = Date.now();

    const frames = await user.ask("c1", '/call lab__progress {"steps": 600, "intervalMs": 0}');

    const elapsedMs = Date.now() - startedAt;
    expect(frames.at(-1)).toMatchObject({ type: "answer", text: "done:600" });
    const call = frames.findIndex((f) => f.type === "tool_call");
    const result = frames.findIndex((f) => f.type === "tool_result");
    const progress = frames.flatMap((f, i) => (f.type === "tool_progress" ? [{ frame: f, i }] : []));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / PROGRESS_INTERVAL_MS) + 1);
    const callId = frames[call]?.type === "tool_call" ? frames[call].call_id : "";
    for (const { frame, i } of progress) {
      expect(i).toBeGreaterThan(call);
      expect(i).toBeLessThan(result);
      expect(frame).toEqual({
        type: "tool_progress",
        chat_id: "c1",
        call_id: callId,
        name: "lab__progress",
        progress: expect.any(Number),
        total: 600,
        message: expect.stringMatching(/^step \d+$/),
      });
    }
    expect(other.frames.filter((f) => f.type !== "ready")).toEqual([]);
    await Promise.all([user.close(), other.close()]);
  });
});
