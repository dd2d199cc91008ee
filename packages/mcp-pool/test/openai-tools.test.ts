import { describe, expect, test } from "vitest";
import { toOpenAITools } from "../src/openai-tools.js";
import type { CatalogTool } from "../src/types.js";

function tool(overrides: Partial<CatalogTool>): CatalogTool {
  return {
    name: "crm__get_contact",
    server: "crm",
    tool: "get_contact",
    title: undefined,
    description: "Look up a contact by id",
    inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    annotations: {},
    ...overrides,
  };
}

describe("toOpenAITools gives the Chat Completions tools array", () => {
  test("one function tool per catalog tool, under its qualified name", () => {
    expect(toOpenAITools([tool({})])).toEqual([
      {
        type: "function",
        function: {
          name: "crm__get_contact",
          description: "Look up a contact by id",
          parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
        },
      },
    ]);
  });

  test("an empty schema becomes an object schema with no properties", () => {
    const [result] = toOpenAITools([tool({ inputSchema: {} })]);
    expect(result?.function.parameters).toEqual({ type: "object", properties: {} });
  });

  test("an object schema without properties gets an empty properties object", () => {
    const [result] = toOpenAITools([tool({ inputSchema: { type: "object", additionalProperties: false } })]);
    expect(result?.function.parameters).toEqual({ type: "object", properties: {}, additionalProperties: false });
  });

  test("properties without a type are kept and typed as an object", () => {
    const [result] = toOpenAITools([tool({ inputSchema: { properties: { q: { type: "string" } } } })]);
    expect(result?.function.parameters).toEqual({ type: "object", properties: { q: { type: "string" } } });
  });

  test("a non-object schema is replaced: function arguments are always an object", () => {
    const [result] = toOpenAITools([tool({ inputSchema: { type: "string" } })]);
    expect(result?.function.parameters).toEqual({ type: "object", properties: {} });
  });

  test("$schema is dropped; other keywords stay", () => {
    const inputSchema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { n: { type: "number", minimum: 0 } },
      required: ["n"],
    };
    const [result] = toOpenAITools([tool({ inputSchema })]);
    expect(result?.function.parameters).toEqual({ type: "object", properties: { n: { type: "number", minimum: 0 } }, required: ["n"] });
    expect(inputSchema).toHaveProperty("$schema");
  });

  test("a missing description falls back to the title, then to the empty string", () => {
    const [withTitle, bare] = toOpenAITools([tool({ description: "", title: "Get contact" }), tool({ description: "" })]);
    expect(withTitle?.function.description).toBe("Get contact");
    expect(bare?.function.description).toBe("");
  });
});
