import { sign } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { ChatClient, handshakeStatus } from "./helpers/chat-client.js";
import { openRawWebSocket } from "./helpers/raw-socket.js";
import type { ChatServerOptions } from "../src/index.js";
import { everythingEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const JWT_SECRET = "a-test-secret-of-32-characters!!";
const jwtFor = (sub: string, expiresInS = 300, secret = JWT_SECRET) =>
  sign({ sub, exp: Math.floor(Date.now() / 1000) + expiresInS }, secret, "HS256");

/**
 * A chat server whose model answers with the user messages it was sent, so a test sees exactly the
 * memory each turn got. Stops both after the describe block.
 */
function useServerWithHistoryEchoingLlm(options: ChatServerOptions): { server: TestServer; llm: FakeLlm } {
  const started = {} as { server: TestServer; llm: FakeLlm };
  beforeAll(async () => {
    started.llm = await startFakeLlm();
    started.llm.script((request) => ({
      text: `seen: ${request.messages
        .filter((m) => m.role === "user")
        .map((m) => m.content)
        .join(" | ")}`,
    }));
    started.server = await startChatServer(
      { everything: everythingEntry() },
      {
        ...options,
        llm: { apiKey: "test", baseURL: started.llm.baseURL, model: "fake", maxRetries: 0 },
      },
    );
  });
  afterAll(async () => {
    await started.server?.close({ graceMs: 500 });
    await started.llm?.close();
  });
  return started;
}

describe("auth on (AUTH_TOKENS and JWT_SECRET)", () => {
  const started = useServerWithHistoryEchoingLlm({
    authTokens: new Map([
      ["tok-ann", "ann"],
      ["tok-bob", "bob"],
    ]),
    jwtSecret: JWT_SECRET,
    allowedOrigins: ["http://chat.example"],
  });

  it("refuses /ws and /api/* without a valid token (401), and leaves /healthz and /metrics open", async () => {
    expect((await handshakeStatus(started.server.url)).status).toBe(401);
    expect((await handshakeStatus(started.server.url, { token: "wrong" })).status).toBe(401);
    expect(
      (await handshakeStatus(started.server.url, { token: await jwtFor("eve", 300, "another-secret-of-32-characters!") })).status,
    ).toBe(401);
    expect((await handshakeStatus(started.server.url, { token: await jwtFor("eve", -60) })).status).toBe(401);
    // A JWT without exp would be valid for ever.
    expect((await handshakeStatus(started.server.url, { token: await sign({ sub: "eve" }, JWT_SECRET, "HS256") })).status).toBe(401);
    expect((await fetch(`${started.server.url}/api/stats`)).status).toBe(401);
    expect((await fetch(`${started.server.url}/api/stats`, { headers: { authorization: "Bearer tok-ann" } })).status).toBe(200);
    expect((await fetch(`${started.server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${started.server.url}/metrics`)).status).toBe(200);
  });

  it("takes the token from the Authorization header, a bearer.<token> subprotocol, or the token query parameter", async () => {
    const byHeader = await ChatClient.open(started.server.url, { token: "tok-ann" });
    const byProtocol = await ChatClient.open(started.server.url, { protocols: ["mcp-pool.v1", "bearer.tok-bob"] });
    const byQuery = await ChatClient.open(started.server.url, { query: "?token=tok-ann" });
    const byJwt = await ChatClient.open(started.server.url, { token: await jwtFor("carol") });
    await Promise.all([byHeader, byProtocol, byQuery, byJwt].map((c) => c.until((f) => f.type === "ready")));
    expect([byHeader, byProtocol, byQuery, byJwt].map((c) => c.ready.user_id)).toEqual(["ann", "bob", "ann", "jwt:carol"]);
    // The server selects our subprotocol and never echoes the token back.
    expect(byProtocol.socket.protocol).toBe("mcp-pool.v1");
    await Promise.all([byHeader, byProtocol, byQuery, byJwt].map((c) => c.close()));
  });

  it("selects the mcp-pool.v1 subprotocol and no other, never echoing a token", async () => {
    const offered = (protocols: string) =>
      openRawWebSocket(started.server.url, { headers: { "sec-websocket-protocol": protocols, authorization: "Bearer tok-ann" } });
    const ours = await offered("chat.other, mcp-pool.v1, bearer.tok-ann");
    expect(ours.head).toMatch(/^sec-websocket-protocol: mcp-pool\.v1$/im);
    const theirs = await offered("chat.other, bearer.tok-ann");
    expect(theirs.status).toBe(101);
    expect(theirs.head).not.toMatch(/sec-websocket-protocol/i);
    for (const raw of [ours, theirs]) raw.socket.destroy();
  });

  it("keeps a JWT subject apart from the static-token user of the same name", async () => {
    const ann = await ChatClient.open(started.server.url, { token: "tok-ann" });
    const jwtAnn = await ChatClient.open(started.server.url, { token: await jwtFor("ann") });
    expect(jwtAnn.ready.user_id).toBe("jwt:ann");
    await ann.ask("diary", "pear is my secret");
    expect((await jwtAnn.ask("diary", "what is my secret?")).at(-1)).toMatchObject({ text: "seen: what is my secret?" });
    await Promise.all([ann.close(), jwtAnn.close()]);
  });

  it("refuses a browser Origin that is not in ALLOWED_ORIGINS (403)", async () => {
    expect((await handshakeStatus(started.server.url, { token: "tok-ann", headers: { origin: "http://evil.example" } })).status).toBe(403);
    expect((await handshakeStatus(started.server.url, { token: "tok-ann", headers: { origin: "http://chat.example" } })).status).toBe(101);
  });

  it("never lets a user read or continue another user's chat_id; the same user continues it from any socket", async () => {
    const ann = await ChatClient.open(started.server.url, { token: "tok-ann" });
    const bob = await ChatClient.open(started.server.url, { token: "tok-bob" });

    expect((await ann.ask("shared-id", "my secret is apple")).at(-1)).toMatchObject({ type: "answer", text: "seen: my secret is apple" });
    const bobTurn = await bob.ask("shared-id", "what is my secret?");
    expect(bobTurn.at(-1)).toMatchObject({ type: "answer", text: "seen: what is my secret?" });
    expect(JSON.stringify(started.llm.requests.at(-1))).not.toContain("apple");

    const annAgain = await ChatClient.open(started.server.url, { token: "tok-ann" });
    const annTurn = await annAgain.ask("shared-id", "what is my secret?");
    expect(annTurn.at(-1)).toMatchObject({ type: "answer", text: "seen: my secret is apple | what is my secret?" });
    await Promise.all([ann.close(), bob.close(), annAgain.close()]);
  });
});

describe("auth off", () => {
  const started = useServerWithHistoryEchoingLlm({});

  it("makes each socket its own anonymous user, with its own memory", async () => {
    const first = await ChatClient.open(started.server.url);
    const second = await ChatClient.open(started.server.url);
    expect(first.ready.user_id).not.toBe(second.ready.user_id);
    expect(first.ready.mode).toBe("llm");

    await first.ask("c1", "remember banana");
    expect((await first.ask("c1", "and?")).at(-1)).toMatchObject({ text: "seen: remember banana | and?" });
    expect((await second.ask("c1", "and?")).at(-1)).toMatchObject({ text: "seen: and?" });
    await Promise.all([first.close(), second.close()]);
  });
});
