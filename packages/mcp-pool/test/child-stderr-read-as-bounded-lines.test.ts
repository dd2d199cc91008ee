// A child's stderr is read as lines however it writes them: `\n`, `\r\n` and `\r` end a line, a line is cut
// at MAX_LINE_BYTES, and the last TAIL_LINES lines are kept for errors.
import { describe, expect, it } from "vitest";
import { CUT_MARK, MAX_LINE_BYTES, StderrTail, TAIL_LINES } from "../src/stderr-tail.js";

function read(...chunks: (string | Buffer)[]): { tail: StderrTail; passed: string[] } {
  const passed: string[] = [];
  const tail = new StderrTail((line) => passed.push(line));
  for (const chunk of chunks) tail.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return { tail, passed };
}

describe("a child's stderr, as lines", () => {
  it("ends a line at \\n, \\r\\n and \\r (a progress bar rewriting its line), and drops blank lines", () => {
    const { tail, passed } = read("one\ntwo\r\nthree\r10%\r50%\r100%\n\n   \nlast\n");
    expect(passed).toEqual(["one", "two", "three", "10%", "50%", "100%", "last"]);
    expect(tail.lines()).toEqual(passed);
  });

  it("joins a line written in pieces, a character split between chunks included", () => {
    const euro = Buffer.from("€"); // 3 bytes
    const { passed } = read("Error: pri", Buffer.concat([Buffer.from("ce 5"), euro.subarray(0, 1)]), euro.subarray(1), " too high\n");
    expect(passed).toEqual(["Error: price 5€ too high"]);
  });

  it("cuts a line longer than MAX_LINE_BYTES once, at once, skips the rest of it, and reads the next line whole", () => {
    const long = "y".repeat(MAX_LINE_BYTES * 3);
    const { tail, passed } = read(long.slice(0, 700), long.slice(700), "\nafter\n");
    expect(passed).toEqual([`${"y".repeat(MAX_LINE_BYTES)}${CUT_MARK}`, "after"]);
    expect(tail.lines()).toEqual(passed);
  });

  it("keeps the last TAIL_LINES lines, and shows a line the child never ended", () => {
    const written = Array.from({ length: TAIL_LINES + 5 }, (_, i) => `line ${i}`);
    const { tail } = read(`${written.join("\n")}\nError: died mid-`);
    expect(tail.lines()).toEqual([...written.slice(-TAIL_LINES), "Error: died mid-"]);
  });
});
