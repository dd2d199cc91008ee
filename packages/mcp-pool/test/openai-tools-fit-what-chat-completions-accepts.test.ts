import { describe, expect, test } from "vitest";
import { fitOpenAITools, OPENAI_TOOL_LIMITS, toOpenAITools } from "../src/index.js";
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

describe("the Chat Completions tools array", () => {
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

const ref = (t: CatalogTool) => ({ name: t.name, server: t.server, tool: t.tool });
const parametersOf = (inputSchema: Record<string, unknown>) => fitOpenAITools([tool({ inputSchema })]);

describe("descriptions over the API's 1,024 characters", () => {
  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");

  test("are cut at a word boundary, marked, and reported", () => {
    const long = tool({ description: words });
    const fit = fitOpenAITools([long, tool({ name: "crm__short", tool: "short" })]);
    const description = fit.tools[0]!.function.description;
    expect(description.length).toBeLessThanOrEqual(OPENAI_TOOL_LIMITS.maxDescriptionChars);
    expect(description).toMatch(/^word0 word1 .* word\d+ …\[description cut\]$/);
    const kept = description.replace(/ …\[description cut\]$/, "");
    expect(words.startsWith(kept) && words[kept.length] === " ").toBe(true);
    expect(fit.descriptionsCut).toEqual([ref(long)]);
  });

  test("with no space near the limit (a long URL) are cut mid-word", () => {
    const [result] = toOpenAITools([tool({ description: `See https://example.com/${"a".repeat(2000)}` })]);
    expect(result!.function.description).toHaveLength(1024);
    expect(result!.function.description).toMatch(/aaaa …\[description cut\]$/);
  });

  test("at the limit exactly are left whole; the limit is a setting", () => {
    const exact = "x".repeat(1024);
    expect(toOpenAITools([tool({ description: exact })])[0]!.function.description).toBe(exact);
    const [small] = toOpenAITools([tool({ description: words })], { ...OPENAI_TOOL_LIMITS, maxDescriptionChars: 100 });
    expect(small!.function.description.length).toBeLessThanOrEqual(100);
  });
});

describe("more tools than a request may carry", () => {
  test("keeps the first maxTools in catalog order and reports the rest by server and tool", () => {
    const tools = Array.from({ length: 130 }, (_, i) => tool({ name: `s${i % 2}__t${i}`, server: `s${i % 2}`, tool: `t${i}` }));
    const fit = fitOpenAITools(tools);
    expect(fit.tools.map((t) => t.function.name)).toEqual(tools.slice(0, 128).map((t) => t.name));
    expect(fit.dropped).toEqual(tools.slice(128).map((t) => ({ ...ref(t), reason: "too_many_tools" })));
  });

  test("drops a tool whose name the API refuses (the catalog never makes one; another provider might)", () => {
    const bad = tool({ name: "crm.get contact", tool: "get contact" });
    const fit = fitOpenAITools([bad, tool({})]);
    expect(fit.tools.map((t) => t.function.name)).toEqual(["crm__get_contact"]);
    expect(fit.dropped).toEqual([{ ...ref(bad), reason: "invalid_name" }]);
  });

  test("refuses limits no request could meet", () => {
    expect(() => fitOpenAITools([], { maxTools: 0, maxDescriptionChars: 1024 })).toThrow(/maxTools must be a positive integer, got 0/);
    expect(() => fitOpenAITools([], { maxTools: 1, maxDescriptionChars: 5 })).toThrow(/maxDescriptionChars/);
  });
});

describe("parameter schemas real servers send", () => {
  test("pydantic (FastMCP): $defs, nested $ref and anyOf for optionals pass as they are", () => {
    const inputSchema = {
      type: "object",
      title: "searchArguments",
      $defs: { Filter: { type: "object", title: "Filter", properties: { field: { type: "string" } }, required: ["field"] } },
      properties: {
        query: { type: "string", title: "Query" },
        filter: { anyOf: [{ $ref: "#/$defs/Filter" }, { type: "null" }], default: null },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["query"],
    };
    const fit = parametersOf(inputSchema);
    expect(fit.tools[0]!.function.parameters).toEqual(inputSchema);
    expect(fit.schemasReshaped).toEqual([]);
  });

  test("a zod union (top-level anyOf): one object with every branch's properties, required only what all branches require", () => {
    const fit = parametersOf({
      $schema: "http://json-schema.org/draft-07/schema#",
      anyOf: [
        {
          type: "object",
          properties: { id: { type: "string" }, full: { type: "boolean" } },
          required: ["id", "full"],
          additionalProperties: false,
        },
        {
          type: "object",
          properties: { email: { type: "string" }, full: { type: "boolean" } },
          required: ["email", "full"],
          additionalProperties: false,
        },
      ],
    });
    expect(fit.tools[0]!.function.parameters).toEqual({
      type: "object",
      properties: { id: { type: "string" }, full: { type: "boolean" }, email: { type: "string" } },
      required: ["full"],
    });
    expect(fit.schemasReshaped).toEqual([ref(tool({}))]);
  });

  test("a zod intersection (top-level allOf): the properties and the required of every branch", () => {
    const fit = parametersOf({
      allOf: [
        { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
        { type: "object", properties: { b: { type: "number" } }, required: ["b"] },
      ],
    });
    expect(fit.tools[0]!.function.parameters).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "number" } },
      required: ["a", "b"],
    });
  });

  test("a named zod-to-json-schema export (top-level $ref into definitions) is inlined; the definitions stay for nested refs", () => {
    const definitions = {
      Args: { type: "object", properties: { q: { type: "string" }, page: { $ref: "#/definitions/Page" } }, required: ["q"] },
      Page: { type: "object", properties: { n: { type: "integer" } } },
    };
    const fit = parametersOf({ $ref: "#/definitions/Args", definitions, $schema: "http://json-schema.org/draft-07/schema#" });
    expect(fit.tools[0]!.function.parameters).toEqual({ ...definitions.Args, definitions });
  });

  test("enum and not at the top level are dropped; a nullable object is an object", () => {
    expect(
      parametersOf({ type: "object", properties: { x: { type: "string" } }, not: { required: ["y"] } }).tools[0]!.function.parameters,
    ).toEqual({ type: "object", properties: { x: { type: "string" } } });
    expect(parametersOf({ type: ["object", "null"], properties: {}, enum: [{}] }).tools[0]!.function.parameters).toEqual({
      type: "object",
      properties: {},
    });
  });

  test("arrays without items (mcp-go's WithArray) get items: {} at any depth; the server's schema is not modified", () => {
    const inputSchema = {
      type: "object",
      properties: {
        ids: { type: "array", description: "ids" },
        rows: { type: "array", items: { type: "array" } },
        nested: { type: "object", properties: { tags: { type: ["array", "null"] } } },
        ok: { type: "array", items: { type: "string" } },
      },
    };
    const before = structuredClone(inputSchema);
    const fit = parametersOf(inputSchema);
    expect(fit.tools[0]!.function.parameters).toEqual({
      type: "object",
      properties: {
        ids: { type: "array", description: "ids", items: {} },
        rows: { type: "array", items: { type: "array", items: {} } },
        nested: { type: "object", properties: { tags: { type: ["array", "null"], items: {} } } },
        ok: { type: "array", items: { type: "string" } },
      },
    });
    expect(fit.schemasReshaped).toHaveLength(1);
    expect(inputSchema).toEqual(before);
    expect(fit.tools[0]!.function.parameters["properties"]).not.toBe(inputSchema.properties);
  });
});
