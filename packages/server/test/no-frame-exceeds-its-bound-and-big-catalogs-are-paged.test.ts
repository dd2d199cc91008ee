import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { ChatClient, type Frame } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const KiB = 1024;
/** The default MAX_SERVER_FRAME_BYTES. */
const FRAME_BOUND = 128 * KiB;

const answerText = (frames: Frame[]) => {
  const end = frames.at(-1);
  if (end?.type !== "answer") throw new Error(`not an answer: ${JSON.stringify(end).slice(0, 300)}`);
  return end.text;
};

describe("an MCP server with 10,000 tools, in the tool console", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startChatServer({ lab: labEntry({ env: { LAB_EXTRA_TOOLS: "10000" } }) });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  it("lists the tools by server a page at a time, every frame under MAX_SERVER_FRAME_BYTES", async () => {
    const client = await ChatClient.open(server.url);
    const first = answerText(await client.ask("t", "/tools"));
    const [, total, pages] = /^(\d+) tools on 1 server, page 1 of (\d+):\n\nlab \(\1 tools, 100 on this page\)\n/.exec(first) ?? [];
    expect(Number(total)).toBeGreaterThan(10_000);
    expect(Number(pages)).toBe(Math.ceil(Number(total) / 100));
    expect(first).toContain("\nMore: /tools --page 2");

    const last = answerText(await client.ask("t", `/tools --page ${pages}`));
    expect(last).toContain("\n  lab__extra_10000(text: string)\n");
    expect(last).not.toContain("More:");
    expect((await client.ask("t", `/tools --page ${Number(pages) + 1}`)).at(-1)).toMatchObject({ type: "error", code: "bad_request" });

    // A filter pages too: extra_99, extra_990..999 and extra_9900..9999.
    const filtered = answerText(await client.ask("t", "/tools extra_99"));
    expect(filtered).toMatch(/^111 tools on 1 server, page 1 of 2:/);
    expect(filtered).toContain("\nMore: /tools extra_99 --page 2");

    expect(Math.max(...client.frameBytes)).toBeLessThanOrEqual(FRAME_BOUND);
    console.info(`[frames] /tools with ${total} tools: ${pages} pages, largest frame ${Math.max(...client.frameBytes)} bytes`);
    await client.close();
  });
});

describe("a model that streams one 600 KiB piece", () => {
  let llm: FakeLlm;
  let server: TestServer;
  beforeAll(async () => {
    llm = await startFakeLlm();
    llm.script(() => ({ stream: { bytes: 600 * KiB, pieceBytes: 600 * KiB } }));
    server = await startChatServer({ lab: labEntry() }, { llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake", maxRetries: 0 } });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
    await llm?.close();
  });

  it("gets it as several deltas that join to the whole text, and an answer cut and marked truncated", async () => {
    const client = await ChatClient.open(server.url);
    const frames = await client.ask("c1", "say a lot");
    const deltas = frames.filter((f) => f.type === "delta");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((f) => (f.type === "delta" ? f.text : "")).join("")).toBe("x".repeat(600 * KiB));
    const answer = frames.at(-1) as Frame & { truncated?: boolean };
    expect(answer).toMatchObject({ type: "answer", truncated: true });
    expect(answerText(frames)).toMatch(/^x+$/);
    expect(Math.max(...client.frameBytes)).toBeLessThanOrEqual(FRAME_BOUND);
    await client.close();
  });
});
