import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, loopbackAddress } from "./helpers/chat-client.js";
import { everythingEntry, mcpChildren, startChatServer, type TestServer } from "./helpers/servers.js";

const USERS = 100;
const MAX_CLIENTS = 3;

describe("100 concurrent users over one shared pool", () => {
  let server: TestServer;
  let before: number[];

  beforeAll(async () => {
    before = mcpChildren();
    server = await startChatServer({ everything: everythingEntry({ pool: { maxConnections: MAX_CLIENTS } }) });
  });
  afterAll(async () => {
    await server?.close({ graceMs: 1000 });
  });

  it("answers every user with their own result and opens at most the pool's maximum of MCP processes", async () => {
    // Each user from their own address, as from their own machine.
    const clients = await Promise.all(
      Array.from({ length: USERS }, (_, i) => ChatClient.open(server.url, { localAddress: loopbackAddress(i) })),
    );
    const users = new Set(clients.map((c) => c.ready.user_id));
    expect(users.size).toBe(USERS);

    let mostChildren = 0;
    const sampler = setInterval(() => {
      mostChildren = Math.max(mostChildren, mcpChildren().filter((pid) => !before.includes(pid)).length);
    }, 20);
    const turns = await Promise.all(clients.map((client, i) => client.ask("c1", `/call everything__echo {"message":"u${i}"}`)));
    clearInterval(sampler);

    turns.forEach((frames, i) => {
      const result = frames.find((f) => f.type === "tool_result");
      expect(result).toMatchObject({ ok: true, content: `Echo: u${i}` });
      expect(frames.at(-1)).toEqual({ type: "answer", chat_id: "c1", text: `Echo: u${i}` });
    });
    expect(mostChildren).toBeGreaterThan(0);
    expect(mostChildren).toBeLessThanOrEqual(MAX_CLIENTS);
    const stats = server.manager.stats().servers[0]!;
    expect(stats.clientsCreated).toBeLessThanOrEqual(MAX_CLIENTS);
    expect(stats.callsOk).toBe(USERS);

    await Promise.all(clients.map((c) => c.close()));
    await server.close({ graceMs: 1000 });
    expect(mcpChildren().filter((pid) => !before.includes(pid))).toEqual([]);
  });
});
