import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { waitFor } from "@mcp-pool/test-support/processes";
import { ChatClient } from "./helpers/chat-client.js";
import { openRawWebSocket, textFrame } from "./helpers/raw-socket.js";
import { rssMiB, startServerProcess, type ServerProcess } from "./helpers/server-process.js";
import { labEntry } from "./helpers/servers.js";

const MiB = 1024 * 1024;
const ANSWER_BYTES = 200 * MiB;
const SEND_STALL_MS = 3000;
/**
 * "A few tens of MiB": what the server may grow by while clients that read nothing are served. What
 * grows is garbage from the ~10 MB that kernel buffers let through before the bound applies; V8 and
 * the allocator give it back only after an idle GC, so the bound is checked over several rounds.
 */
const RSS_GROWTH_LIMIT_MIB = 64;
const ROUNDS = 3;

/** Samples the server's RSS every 100 ms until stopped; `peak` is the highest seen. */
function sampleRss(pid: number): { peak: () => number; stop: () => void } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      /* the process is gone; the test says so elsewhere */
    }
  }, 100);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** Logs the server wrote after `from` whose fields match. */
function logged(server: ServerProcess, fields: Record<string, unknown>, from = 0): Record<string, unknown> | undefined {
  return server.logs.slice(from).find((line) => Object.entries(fields).every(([key, value]) => line[key] === value));
}

describe("a client that stops reading (MAX_SEND_BUFFER_BYTES, SEND_STALL_MS)", () => {
  let llm: FakeLlm;
  let server: ServerProcess;
  let dir: string;
  let baseline: number;

  beforeAll(async () => {
    llm = await startFakeLlm();
    llm.script((request) =>
      request.messages.at(-1)?.content === "the long one" ? { stream: { bytes: ANSWER_BYTES } } : { text: "short answer" },
    );
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-backpressure-"));
    const config = join(dir, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { lab: labEntry() } }));
    server = await startServerProcess({
      PORT: "0",
      MCP_CONFIG: config,
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_MODEL: "fake",
      SEND_STALL_MS: String(SEND_STALL_MS),
      RATE_LIMIT_QUESTIONS: "1000",
    });
    // Warm: one whole turn, so the baseline has every module loaded and the model client made.
    const warm = await ChatClient.open(server.url);
    expect((await warm.ask("warm", "hello")).at(-1)).toMatchObject({ type: "answer", text: "short answer" });
    await warm.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    baseline = rssMiB(server.pid);
  });
  afterAll(async () => {
    await server?.stop();
    await llm?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pauses a 200 MB model stream for a client that reads nothing, closes it after SEND_STALL_MS, and memory stays flat", async () => {
    const bystander = await ChatClient.open(server.url);
    const rss = sampleRss(server.pid);
    const peaks: number[] = [];
    // Several times in a row: memory that a closed socket left behind would add up.
    for (let round = 0; round < ROUNDS; round++) {
      const logsFrom = server.logs.length;
      const reader = await openRawWebSocket(server.url);
      expect(reader.status).toBe(101);
      reader.socket.pause(); // from now on it reads nothing
      reader.sendText(JSON.stringify({ chat_id: "c1", question: "the long one" }));
      const stream = (await waitFor(() => llm.streams.at(round), { timeoutMs: 10_000, what: "the model stream to start" }))!;

      // Someone else is served while it stalls.
      expect((await bystander.ask(`b${round}`, "are you there?")).at(-1)).toMatchObject({ type: "answer", text: "short answer" });
      const stalled = await waitFor(() => logged(server, { limit: "SEND_STALL_MS" }, logsFrom), {
        timeoutMs: SEND_STALL_MS + 30_000,
        intervalMs: 100,
        what: "the server to close the socket that reads nothing",
      });
      expect(stalled).toMatchObject({ level: 40, max_send_buffer_bytes: MiB, remote_address: "127.0.0.1" });
      // The turn was cancelled, which ended the model stream: it was paused, not read into memory.
      expect(await stream.ended).toBe("client left");
      expect(stream.contentBytes).toBeLessThan(ANSWER_BYTES / 4);
      await waitFor(() => logged(server, { msg: "turn ended", outcome: "cancelled" }, logsFrom), { what: "the turn to end" });
      // Once it reads again it finds the connection closed.
      reader.socket.resume();
      await reader.closed;
      peaks.push(rss.peak());
    }
    rss.stop();
    const after = rssMiB(server.pid);
    console.info(
      `[backpressure] 200 MB answers to a client that reads nothing, ${ROUNDS} rounds: RSS baseline ${baseline.toFixed(1)} MiB, ` +
        `peak after each round ${peaks.map((p) => p.toFixed(1)).join(", ")} MiB, ${after.toFixed(1)} MiB after the last; ` +
        `model stream read per round: ${llm.streams.map((s) => (s.contentBytes / MiB).toFixed(1)).join(", ")} of ${ANSWER_BYTES / MiB} MiB`,
    );
    expect(rss.peak() - baseline).toBeLessThan(RSS_GROWTH_LIMIT_MIB);
    expect(after - baseline).toBeLessThan(RSS_GROWTH_LIMIT_MIB);
    await bystander.close();
  });

  it("stops reading junk frames from a client that reads none of the error frames, and closes it", async () => {
    const logsFrom = server.logs.length;
    const before = rssMiB(server.pid);
    const rss = sampleRss(server.pid);
    const flooder = await openRawWebSocket(server.url);
    flooder.socket.pause();
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => textFrame("junk")));
    let sent = 0;
    let closed = false;
    void flooder.closed.then(() => (closed = true));
    // 600,000 junk frames, written only as fast as the server takes them.
    while (sent < 600_000 && !closed && !logged(server, { limit: "SEND_STALL_MS" }, logsFrom)) {
      if (!flooder.socket.write(batch)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            flooder.socket.off("drain", done);
            resolve();
          };
          const timer = setTimeout(done, 500);
          flooder.socket.on("drain", done);
        });
      }
      sent += 1000;
    }
    const stalled = await waitFor(() => logged(server, { limit: "SEND_STALL_MS" }, logsFrom), {
      timeoutMs: SEND_STALL_MS + 30_000,
      intervalMs: 100,
      what: "the server to close the flooding socket",
    });
    expect(stalled).toMatchObject({ remote_address: "127.0.0.1" });
    rss.stop();
    console.info(
      `[backpressure] junk flood: ${sent} frames written, RSS ${before.toFixed(1)} MiB, peak ${rss.peak().toFixed(1)} MiB (+${(rss.peak() - before).toFixed(1)})`,
    );
    expect(rss.peak() - before).toBeLessThan(RSS_GROWTH_LIMIT_MIB);
    flooder.socket.destroy();
  });
});
