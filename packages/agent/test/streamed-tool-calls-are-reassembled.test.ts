import { describe, expect, it } from "vitest";
import { ToolCallAssembler } from "../src/tool-call-assembler.js";
import { parseToolArguments } from "../src/tool-calls.js";

describe("tool calls streamed across chunks", () => {
  it("are rebuilt by index, with interleaved argument fragments", () => {
    const assembler = new ToolCallAssembler();
    assembler.add([{ index: 0, id: "call_a", type: "function", function: { name: "everything__echo", arguments: "" } }]);
    assembler.add([{ index: 1, id: "call_b", type: "function", function: { name: "everything__get-sum", arguments: "" } }]);
    assembler.add([{ index: 0, function: { arguments: '{"mess' } }]);
    assembler.add([{ index: 1, function: { arguments: '{"a": 1,' } }]);
    assembler.add([
      { index: 0, function: { arguments: 'age": "hi"}' } },
      { index: 1, function: { arguments: ' "b": 2}' } },
    ]);
    expect(assembler.finish()).toEqual([
      { id: "call_a", type: "function", function: { name: "everything__echo", arguments: '{"message": "hi"}' } },
      { id: "call_b", type: "function", function: { name: "everything__get-sum", arguments: '{"a": 1, "b": 2}' } },
    ]);
  });

  it("get an id when the server sent none", () => {
    const assembler = new ToolCallAssembler();
    assembler.add([{ function: { name: "everything__echo", arguments: "{}" } }]);
    const [call] = assembler.finish();
    expect(call?.id).toMatch(/^call_[0-9a-f]{24}$/);
  });
});

describe("a model's arguments string", () => {
  it("is an object when it is a JSON object, or empty", () => {
    expect(parseToolArguments('{"a": 1}')).toEqual({ ok: true, args: { a: 1 } });
    expect(parseToolArguments("")).toEqual({ ok: true, args: {} });
  });

  it("is refused, with the reason, when it is not JSON or not an object", () => {
    expect(parseToolArguments('{"a": ')).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid JSON arguments: /) });
    expect(parseToolArguments("[1, 2]")).toEqual({ ok: false, error: "Invalid arguments: expected a JSON object" });
  });
});
