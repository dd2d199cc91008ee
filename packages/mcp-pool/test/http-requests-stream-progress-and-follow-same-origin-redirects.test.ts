// What a pooled Streamable HTTP client's requests must keep doing, whatever sends them: a tool's progress
// arrives while its SSE answer is still streaming (and keeps its call alive past callTimeoutMs), a server
// that moved answers through a redirect within its origin on every request, and a redirect to another
// origin is not followed: the call fails saying where it pointed.
import { describe, expect, it } from "vitest";
import { startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { ServerUnavailableError, type ProgressUpdate } from "../src/index.js";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";

const use = useManagers();

describe("a pooled Streamable HTTP client's requests", () => {
  it("hear a tool's progress while its answer streams, each step before the result, resetting its timeout", async () => {
    const fixture = await use.fixture(startLabHttp());
    // 5 steps 150 ms apart: 900 ms in all, three times callTimeoutMs, under maxTotalTimeoutMs.
    const manager = use.manager({ lab: fixture.entry({ callTimeoutMs: 300, maxTotalTimeoutMs: 10_000 }) });
    const heard: ProgressUpdate[] = [];
    let resultCame = false;
    const result = await manager.callTool(
      "lab__progress",
      { steps: 5, intervalMs: 150 },
      {
        onProgress: (update) => {
          if (!resultCame) heard.push(update);
        },
      },
    );
    resultCame = true;
    expect(textOf(result)).toBe("done:5");
    expect(heard.map(({ progress }) => progress)).toEqual([1, 2, 3, 4, 5]);
    expect(heard[4]).toMatchObject({ total: 5, message: "step 5" });
  });

  it("reach a server that moved through a redirect within its origin, every call", async () => {
    const fixture = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: { url: fixture.url.replace(/\/mcp$/, "/moved/mcp") } });
    const answers = await Promise.all(Array.from({ length: 3 }, (_, i) => manager.callTool("lab__echo", { text: `moved-${i}` })));
    expect(answers.map(textOf)).toEqual(["echo:moved-0", "echo:moved-1", "echo:moved-2"]);
    expect(serverStats(manager)).toMatchObject({ callsOk: 3, callsFailed: {} });
  });

  it("do not follow a redirect to another origin, and say where it pointed", async () => {
    const fixture = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: { url: fixture.url.replace(/\/mcp$/, "/elsewhere/mcp"), transport: "streamable-http" } });
    const failed = manager.listTools();
    await expect(failed).resolves.toMatchObject({ unavailable: [{ server: "lab" }] });
    const { unavailable } = await failed;
    expect(unavailable[0]?.error).toBeInstanceOf(ServerUnavailableError);
    expect(unavailable[0]?.error.message).toContain(`Redirect to http://localhost:${fixture.port}/mcp not followed`);
  });
});
