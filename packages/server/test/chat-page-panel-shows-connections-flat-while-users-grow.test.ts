import { describe, expect, it } from "vitest";
import { ChatClient, type Frame, loopbackAddress } from "./helpers/chat-client.js";
import { openChatPage, screenshot, lastToolResult, sendQuestion, useServerAndChromium } from "./helpers/page.js";
import { labEntry } from "./helpers/servers.js";

const USERS = 20;
const MAX_CONNECTIONS = 2;
const CALLS_PER_CONNECTION = 4;
const WAVES = 4;
/** The panel's poll interval. */
const POLL_MS = 2000;

describe("the chat page's live panel, in chromium", () => {
  const live = useServerAndChromium({
    lab: labEntry({ pool: { maxConnections: MAX_CONNECTIONS, maxCallsPerConnection: CALLS_PER_CONNECTION, maxWaiting: 100 } }),
  });

  it(`shows open of max, in flight of slots, waiting, sharing and circuit, and a chart where ${USERS} users grow while MCP connections stay at the bound`, async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    const row = page.locator('#servers tr[data-server="lab"]');
    await expect.poll(() => row.locator(".clients-open").textContent(), { timeout: 10_000 }).toBe(`0/${MAX_CONNECTIONS}`);
    expect(await row.locator(".sharing").textContent()).toBe("shared");
    expect(await row.locator(".circuit").textContent()).toBe("closed");

    // Twenty users, each from its own address, join in waves one poll apart (so the chart shows the
    // users' line climbing) and each asks for a slow tool at once.
    const users: ChatClient[] = [];
    const turns: Promise<Frame[]>[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const joined = await Promise.all(
        Array.from({ length: USERS / WAVES }, (_, n) =>
          ChatClient.open(live.server.url, { localAddress: loopbackAddress(users.length + n) }),
        ),
      );
      users.push(...joined);
      turns.push(...joined.map((user) => user.ask("c1", '/call lab__slow_read {"ms":4000,"text":"slow"}')));
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await sendQuestion(page, '/call lab__slow_read {"ms":4000,"text":"the page\'s own call"}');

    await expect.poll(() => page.textContent("#users-online"), { timeout: 15_000 }).toBe(String(USERS + 1));
    await expect.poll(() => row.locator(".clients-open").textContent(), { timeout: 15_000 }).toBe(`${MAX_CONNECTIONS}/${MAX_CONNECTIONS}`);
    const slots = MAX_CONNECTIONS * CALLS_PER_CONNECTION;
    await expect.poll(() => row.locator(".in-flight").textContent(), { timeout: 15_000 }).toBe(`${slots}/${slots}`);
    expect(Number(await row.locator(".waiting").textContent())).toBeGreaterThan(0);
    const chart = page.locator("#chart");
    await expect.poll(() => chart.getAttribute("data-peak-users"), { timeout: 10_000 }).toBe(String(USERS + 1));
    await screenshot(page, "panel-20-users");

    for (const turn of await Promise.all(turns)) expect(turn.at(-1)).toMatchObject({ type: "answer", text: "slow:slow" });
    await expect.poll(() => lastToolResult(page), { timeout: 20_000 }).toBe("slow:the page's own call");
    // Over the whole run the chart's connection line never left the bound while users went 1 → 21.
    expect(await chart.getAttribute("data-peak-connections")).toBe(String(MAX_CONNECTIONS));
    expect(await chart.getAttribute("data-bound")).toBe(String(MAX_CONNECTIONS));
    expect(Number(await chart.getAttribute("data-points"))).toBeGreaterThan(2);
    expect(await chart.locator("canvas").count()).toBeGreaterThan(0);
    expect(await page.textContent("#chart-caption")).toMatch(
      new RegExp(`peak over .*: ${USERS + 1} users, ${MAX_CONNECTIONS} connections`),
    );

    await Promise.all(users.map((user) => user.close()));
    await expect.poll(() => page.textContent("#users-online"), { timeout: 10_000 }).toBe("1");
    expect(errors).toEqual([]);
    await page.close();
  });
});
