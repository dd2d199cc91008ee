/**
 * What a child process writes to stderr, read as lines with bounded memory
 * however it writes: a line ends at `\n`, `\r\n` or `\r` (progress bars
 * rewrite one line with `\r`); a line longer than MAX_LINE_BYTES is cut there
 * (its first MAX_LINE_BYTES bytes are kept and marked, the rest up to the next
 * line end is skipped unread); blank lines are dropped. The last TAIL_LINES
 * lines are kept, so that a connect error can say why a server exited.
 * Each byte is looked at once: a flood without line ends costs a memchr, not
 * a string.
 */

import { StringDecoder } from "node:string_decoder";
import type { StderrMode } from "./transport.js";

/** A longer line is cut to its first MAX_LINE_BYTES bytes (UTF-8). */
export const MAX_LINE_BYTES = 512;
/** Lines kept per child process. */
export const TAIL_LINES = 16;
export const CUT_MARK = " [line cut]";

const LF = 0x0a;
const CR = 0x0d;

export class StderrTail {
  readonly #lines: string[] = [];
  #decoder = new StringDecoder("utf8");
  /** The line being read, decoded; at most MAX_LINE_BYTES bytes of it. */
  #partial = "";
  #partialBytes = 0;
  /** The current line was cut: skip to its end. */
  #skipping = false;

  constructor(private readonly onLine?: (line: string) => void) {}

  write(chunk: Buffer): void {
    let start = 0;
    let nextLf = chunk.indexOf(LF, start);
    let nextCr = chunk.indexOf(CR, start);
    while (start < chunk.length) {
      // Each search runs again only once passed, so a chunk is scanned once whatever its line count.
      if (nextLf !== -1 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextCr !== -1 && nextCr < start) nextCr = chunk.indexOf(CR, start);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      const stop = end === -1 ? chunk.length : end;
      if (!this.#skipping) this.#take(chunk, start, stop);
      if (end === -1) return;
      this.#endLine();
      start = end + 1;
    }
  }

  /** The last lines, oldest first, with the unfinished line (a child that died mid-line) last. */
  lines(): string[] {
    return this.#partial.trim() === "" ? [...this.#lines] : [...this.#lines, this.#partial];
  }

  #take(chunk: Buffer, start: number, stop: number): void {
    const room = MAX_LINE_BYTES - this.#partialBytes;
    const taken = Math.min(stop - start, room);
    this.#partial += this.#decoder.write(chunk.subarray(start, start + taken));
    this.#partialBytes += taken;
    if (stop - start <= room) return;
    // Too long: keep what fits, now, so that a flood with no line end still shows in the tail.
    this.#decoder = new StringDecoder("utf8"); // drops a character cut in half
    this.#emit(this.#partial + CUT_MARK);
    this.#partial = "";
    this.#partialBytes = 0;
    this.#skipping = true;
  }

  #endLine(): void {
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    const line = this.#partial + this.#decoder.end();
    this.#partial = "";
    this.#partialBytes = 0;
    if (line.trim() !== "") this.#emit(line);
  }

  #emit(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > TAIL_LINES) this.#lines.shift();
    this.onLine?.(line);
  }
}

/** Where a child's stderr lines go besides its tail, by the manager's `stderr` option. */
export function stderrLineSink(mode: StderrMode, server: string): ((line: string) => void) | undefined {
  if (typeof mode === "function") return (line) => mode(server, line);
  if (mode === "inherit") return (line) => process.stderr.write(`${line}\n`);
  return undefined;
}
