import { describe, expect, it } from "vitest";
import { ConnectionLostError, PoolBusyError, ToolCallError } from "mcp-pool";
import { toolErrorText, toolResultText, truncateText } from "../src/tool-output.js";

describe("what the model and the user read of a tool's outcome", () => {
  it("a tool's own failure is its own words", () => {
    const error = ToolCallError.fromResult("lookup", [{ type: "text", text: "No customer with id 42" }], { server: "crm" });
    expect(toolErrorText(error)).toBe("No customer with id 42");
  });

  it("a pool failure carries its stable code", () => {
    expect(toolErrorText(new PoolBusyError("crm is busy", { server: "crm" }))).toBe("crm is busy (pool_busy)");
    expect(toolErrorText(new ConnectionLostError("crm died", { mayHaveRun: true }))).toBe("crm died (connection_lost)");
  });

  it("text parts are kept and other parts are named", () => {
    const result = {
      name: "x__y",
      server: "x",
      tool: "y",
      content: [
        { type: "text", text: "line one" },
        { type: "image", data: "AAAA", mimeType: "image/png" },
        { type: "resource", resource: { uri: "file:///a.txt", text: "file text" } },
      ],
    };
    expect(toolResultText(result)).toBe("line one\n[image image/png]\nfile text");
  });

  it("structured content stands in when there is no content", () => {
    expect(toolResultText({ name: "x__y", server: "x", tool: "y", content: [], structuredContent: { temperature: 21 } })).toBe(
      '{"temperature":21}',
    );
  });

  it("text over the budget is cut with a visible marker", () => {
    expect(truncateText("abcdefghij", 4)).toBe("abcd\n…[truncated 6 chars]");
    expect(truncateText("abcd", 4)).toBe("abcd");
  });
});
