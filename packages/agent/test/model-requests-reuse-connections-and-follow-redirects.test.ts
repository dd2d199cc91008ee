import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { createAgent } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

it("sends turn after turn over keep-alive connections, not a connection per request", async () => {
  const settings = { ...fixture.settings };
  const agent = createAgent({ sessionId: "s1", owner: "alice", tools: fixture.manager, llm: settings });
  fixture.llm.script(() => ({ text: "ok" }));
  const before = fixture.llm.connections;

  for (const question of ["one", "two", "three", "4", "5", "6", "7"]) {
    expect(lastEvent(await collect(agent.ask("c1", question)))).toEqual({ type: "answer", chatId: "c1", text: "ok" });
  }

  // A second one may open while the first is being released after its response: never more.
  expect(fixture.llm.connections - before).toBeLessThanOrEqual(2);
});

it("follows a redirect of the endpoint, as fetch does", async () => {
  const redirect = createServer((req, res) => {
    res.writeHead(307, { location: `${fixture.llm.baseURL}${req.url!.replace(/^\/v1/, "")}` }).end();
  }).listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => redirect.once("listening", resolve));
  try {
    const { port } = redirect.address() as AddressInfo;
    const agent = createAgent({
      sessionId: "s2",
      owner: "bob",
      tools: fixture.manager,
      llm: { ...fixture.settings, baseURL: `http://127.0.0.1:${port}/v1` },
    });
    fixture.llm.script(() => ({ text: "moved" }));

    expect(lastEvent(await collect(agent.ask("c1", "hello")))).toEqual({ type: "answer", chatId: "c1", text: "moved" });
    expect(fixture.llm.requests.at(-1)!.messages.at(-1)).toEqual({ role: "user", content: "hello" });
  } finally {
    redirect.closeAllConnections();
    await new Promise<void>((resolve) => redirect.close(() => resolve()));
  }
});
