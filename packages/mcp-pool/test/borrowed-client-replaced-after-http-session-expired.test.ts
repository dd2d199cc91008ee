// A client lent through withClient() (resources, prompts, the catalog's tools/list) whose HTTP session the
// server forgot (a restart: 404) is replaced like one a tool call finds dead: the work that met the 404 fails
// with ConnectionLostError (it did not run), and the next borrow gets a client on a new session.
import { describe, expect, it } from "vitest";
import { ConnectionLostError } from "../src/index.js";
import { labStats, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, useManagers } from "./helpers/manager.js";
import { waitForPortFree } from "./helpers/port-free.js";

const use = useManagers();

describe("a borrowed HTTP client whose session expired", () => {
  it("fails that work with ConnectionLostError and is replaced for the next", async () => {
    const fixture = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: fixture.entry() });
    const ping = () => manager.withClient("lab", (client) => client.ping());
    await expect(ping()).resolves.toEqual({});

    await fixture.stop();
    await waitForPortFree(fixture.port);
    const restarted = await use.fixture(startLabHttp({ port: fixture.port }));

    const error = await rejectionOf(ping());
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: false, server: "lab" });
    await expect(ping()).resolves.toEqual({});
    expect(await labStats(restarted)).toMatchObject({ sessionsOpened: 1 });
  });
});
