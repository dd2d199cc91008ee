// A child's stdout becomes the same JSON-RPC messages however its pipe cuts it: lines whole in one chunk,
// split over chunks, ended by \r\n, blank, or not JSON at all (reported, skipped), and a line over the limit
// is skipped with the id of the request it answered.
import { describe, expect, it } from "vitest";
import { MessageLines, type LineEvent } from "../../src/message-lines.js";

const answer = (id: number, text: string) => JSON.stringify({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text }] } });

function read(chunks: (string | Buffer)[], maxBytes = 1024): LineEvent[] {
  const events: LineEvent[] = [];
  const lines = new MessageLines(maxBytes, (event) => events.push(event));
  for (const chunk of chunks) lines.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return events;
}

const messages = (events: LineEvent[]) => events.flatMap((event) => (event.kind === "message" ? [event.message] : []));

describe("stdout lines", () => {
  it("are the same messages whole, split anywhere (a character cut in half too), or ended by \\r\\n", () => {
    const text = `${answer(1, "héllo")}\n${answer(2, "wörld")}\r\n\n`;
    const bytes = Buffer.from(text);
    const expected = [JSON.parse(answer(1, "héllo")), JSON.parse(answer(2, "wörld"))];
    expect(messages(read([bytes]))).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      expect(messages(read([bytes.subarray(0, cut), bytes.subarray(cut)]))).toEqual(expected);
    }
    expect(messages(read([...bytes].map((byte) => Buffer.from([byte]))))).toEqual(expected);
  });

  it("that are not JSON-RPC are reported with their start and skipped; the next line is read", () => {
    const events = read([`Server started on stdio\n${answer(3, "ok")}\n`]);
    expect(events.map((event) => event.kind)).toEqual(["garbage", "message"]);
    expect(events[0]).toMatchObject({ kind: "garbage", head: "Server started on stdio" });
  });

  it("over the limit are skipped unread, with the id of the request they answered, whole or in pieces", () => {
    const long = answer(7, "x".repeat(5_000));
    for (const chunks of [[`${long}\n${answer(8, "next")}\n`], [long.slice(0, 100), long.slice(100, 3_000), `${long.slice(3_000)}\n`]]) {
      const events = read(chunks);
      expect(events[0]).toEqual({ kind: "oversized", bytes: long.length, id: 7 });
      if (events.length > 1) expect(messages(events)).toEqual([JSON.parse(answer(8, "next"))]);
    }
  });
});
