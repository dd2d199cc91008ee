import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { everythingEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const MAX_FRAME_BYTES = 4096;

describe("bad input", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startChatServer({ everything: everythingEntry() }, { maxFrameBytes: MAX_FRAME_BYTES });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 1000 });
  });

  it.each([
    ["non-JSON", "hello?", /not valid JSON/],
    ["a JSON array", "[1,2]", /JSON object/],
    ["a JSON string", '"ask"', /JSON object/],
    ["a question without chat_id", JSON.stringify({ question: "hi" }), /chat_id/],
    ["a question that is a number", JSON.stringify({ chat_id: "c1", question: 42 }), /question/],
    ["an empty question", JSON.stringify({ chat_id: "c1", question: "  " }), /question/],
    ["an unknown type", JSON.stringify({ type: "shout", chat_id: "c1" }), /unknown frame type/],
    ["a cancel without chat_id", JSON.stringify({ type: "cancel" }), /chat_id/],
    ["a chat_id that is not a string", JSON.stringify({ chat_id: 7, question: "hi" }), /chat_id/],
  ])("%s gets a bad_request error frame and the socket stays open", async (_name, frame, message) => {
    const client = await ChatClient.open(server.url);
    const from = client.frames.length;
    client.send(frame);
    const error = await client.until((f) => f.type === "error", from);
    expect(error).toMatchObject({ type: "error", code: "bad_request", message: expect.stringMatching(message) });

    client.send({ type: "ping" });
    await client.until((f) => f.type === "pong", from);
    const answer = await client.ask("c1", '/call everything__echo {"message":"still here"}');
    expect(answer.at(-1)).toMatchObject({ type: "answer", text: "Echo: still here" });
    await client.close();
  });

  it("names the chat in the error when the frame had a chat_id", async () => {
    const client = await ChatClient.open(server.url);
    client.send({ type: "ask", chat_id: "c9" });
    const error = await client.until((f) => f.type === "error");
    expect(error).toMatchObject({ chat_id: "c9", code: "bad_request" });
    await client.close();
  });

  it("closes a socket that sends a frame over MAX_FRAME_BYTES with 1009, and only that socket", async () => {
    const [offender, bystander] = await Promise.all([ChatClient.open(server.url), ChatClient.open(server.url)]);
    offender.send({ chat_id: "c1", question: "x".repeat(MAX_FRAME_BYTES + 1) });
    expect(await offender.closed).toMatchObject({ code: 1009 });

    const answer = await bystander.ask("c1", '/call everything__echo {"message":"unharmed"}');
    expect(answer.at(-1)).toMatchObject({ type: "answer", text: "Echo: unharmed" });
    await bystander.close();
  });

  it("accepts a frame just under MAX_FRAME_BYTES", async () => {
    const client = await ChatClient.open(server.url);
    const message = "y".repeat(MAX_FRAME_BYTES - 200);
    const answer = await client.ask("c1", `/call everything__echo ${JSON.stringify({ message })}`);
    expect(answer.at(-1)).toMatchObject({ type: "answer", text: `Echo: ${message}` });
    await client.close();
  });

  it("closes a socket that sends a binary frame with 1003", async () => {
    const [offender, bystander] = await Promise.all([ChatClient.open(server.url), ChatClient.open(server.url)]);
    offender.socket.send(Buffer.from(JSON.stringify({ chat_id: "c1", question: "/help" })), { binary: true });
    expect(await offender.closed).toMatchObject({ code: 1003 });

    bystander.send({ type: "ping" });
    await bystander.until((f) => f.type === "pong");
    await bystander.close();
  });
});
