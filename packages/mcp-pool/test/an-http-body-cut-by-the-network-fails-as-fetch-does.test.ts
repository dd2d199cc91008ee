// The HTTP transports' fetch (src/transport-fetch.ts) reads a JSON answer with undici's Node stream, not
// fetch's; a body the network cuts must still fail as fetch's does (TypeError "fetch failed", the network
// error as its cause), which is what tells tool-call.ts that the HTTP request failed (it may have run) rather
// than the server breaking the protocol. A raw HTTP server of the test's own sends half a body and resets.
// And a body cancelled unread ends quietly (a chunk already on its way is dropped, not pushed into the
// closed web stream: that threw an uncaught exception).
import { createServer, type Server } from "node:net";
import { Agent } from "undici";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { transportFetch } from "../src/transport-fetch.js";

let server: Server | undefined;
const agent = new Agent();
afterAll(() => agent.close());
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** Answers every request with headers for a 1,000-byte JSON body, sends 10 bytes of it, and resets. */
async function halfAnswering(): Promise<string> {
  server = createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n");
      socket.write('{"jsonrpc"', () => setTimeout(() => socket.resetAndDestroy(), 20));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}/mcp`;
}

describe("an HTTP answer whose body the network cuts", () => {
  it("fails json() with TypeError fetch failed and the network error as its cause", async () => {
    const fetch = transportFetch(agent);
    const response = await fetch(await halfAnswering(), { method: "POST", body: "{}", redirect: "manual" });
    expect(response.status).toBe(200);
    const error = await response.json().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ message: "fetch failed" });
    expect((error as TypeError).cause).toBeInstanceOf(Error);
  });

  it("rejects with the transport's abort reason once it is closing, not as a network failure", async () => {
    const fetch = transportFetch(agent);
    const closing = new AbortController();
    const response = await fetch(await halfAnswering(), { method: "POST", body: "{}", redirect: "manual", signal: closing.signal });
    const reason = new Error("transport closed");
    closing.abort(reason);
    await expect(response.json()).rejects.toBe(reason);
  });
});

describe("an HTTP answer's body cancelled unread (the SDK does so with a POST's 202)", () => {
  it("raises no error after the cancel", async () => {
    server = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () =>
        socket.end("HTTP/1.1 202 Accepted\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 8\r\n\r\nAccepted"),
      );
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const fetch = transportFetch(agent);
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", record);
    try {
      for (let i = 0; i < 20; i += 1) {
        const response = await fetch(`http://127.0.0.1:${port}/message`, { method: "POST", body: "{}", redirect: "manual" });
        expect(response.status).toBe(202);
        await response.body?.cancel();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("uncaughtException", record);
    }
    expect(uncaught).toEqual([]);
  });
});
