// Work done through withClient() is a call like any other for close(): past graceMs it fails with
// ManagerClosedError, not with the SDK's "Connection closed" from the client close() ends.
import { describe, expect, it } from "vitest";
import { ManagerClosedError } from "../src/index.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, useManagers } from "./helpers/manager.js";
import { waitFor } from "@mcp-pool/test-support/processes";

const use = useManagers();

describe("close() with a borrowed client in use", () => {
  it("fails the work still running after graceMs with ManagerClosedError", async () => {
    const manager = use.manager({ lab: labStdioEntry() });
    let borrowed = false;
    const work = rejectionOf(
      manager.withClient("lab", (client) => {
        borrowed = true;
        return client.callTool({ name: "hang", arguments: {} });
      }),
    );
    await waitFor(() => borrowed, { what: "the client to be lent" });

    await manager.close({ graceMs: 100 });
    const error = await work;
    expect(error).toBeInstanceOf(ManagerClosedError);
    expect(error).toMatchObject({ code: "manager_closed" });
  });
});
