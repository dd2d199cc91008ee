/**
 * What leaves the pool about a server (an error, a warning, a log line)
 * never holds a secret of its config: the values `${VAR}` references in its
 * `env`, `headers`, `args` and `url` expanded to are replaced with
 * `[redacted]`, wherever they appear (a child that prints its environment, a
 * server that echoes our headers). A line cut for length (stderr-tail.ts)
 * that ends in the first part of a secret has that part replaced too. Values
 * shorter than MIN_SECRET_LENGTH are left alone: replacing `1` or `on`
 * everywhere would garble every message and hide nothing worth hiding.
 */

import { CUT_MARK } from "./stderr-tail.js";

export const REDACTED = "[redacted]";
export const MIN_SECRET_LENGTH = 4;
const MAX_CAUSE_DEPTH = 4;

export class Redactor {
  /** Longest first: a secret that contains another is replaced whole. */
  readonly #secrets: readonly string[];

  constructor(secrets: Iterable<string> = []) {
    this.#secrets = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  text(value: string): string {
    if (this.#secrets.length === 0) return value;
    let result = value;
    for (const secret of this.#secrets) result = result.replaceAll(secret, REDACTED);
    return result.includes(CUT_MARK)
      ? result
          .split(CUT_MARK)
          .map((part, i, all) => (i < all.length - 1 ? this.#withoutCutSecret(part) : part))
          .join(CUT_MARK)
      : result;
  }

  /**
   * A copy of the error for callers and logs: its message and its causes' redacted, the class, `name`, `code`
   * and stack frames kept (so `instanceof` and code checks still work); nothing else of the original (Node's
   * spawn error carries `spawnargs`, the SDK's McpError `data`).
   */
  error<E>(error: E, depth = 0): E {
    if (this.#secrets.length === 0) return error;
    if (!(error instanceof Error)) return (typeof error === "string" ? this.text(error) : error) as E;
    const copy = new Error(this.text(error.message));
    Object.setPrototypeOf(copy, Object.getPrototypeOf(error));
    copy.name = error.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" || typeof code === "number") Object.assign(copy, { code });
    // Where it was thrown, under the redacted message (the original's first lines are its message).
    const frames = (error.stack ?? "").split("\n").filter((line) => line.startsWith("    at "));
    copy.stack = [`${copy.name}: ${copy.message}`, ...frames].join("\n");
    if (depth < MAX_CAUSE_DEPTH && error.cause !== undefined) copy.cause = this.error(error.cause, depth + 1);
    if (error instanceof AggregateError) Object.assign(copy, { errors: error.errors.map((each: unknown) => this.error(each, depth + 1)) });
    return copy as E;
  }

  /** The pool's own error just made from an upstream one: its message redacted and its cause a redacted copy. */
  own<E extends Error>(error: E): E {
    if (this.#secrets.length === 0) return error;
    const message = this.text(error.message);
    const frames = (error.stack ?? "").split("\n").filter((line) => line.startsWith("    at "));
    error.message = message;
    error.stack = [`${error.name}: ${message}`, ...frames].join("\n");
    if (error.cause !== undefined) error.cause = this.error(error.cause);
    return error;
  }

  /** A line cut in the middle of a secret ends with its first part. */
  #withoutCutSecret(part: string): string {
    for (const secret of this.#secrets) {
      for (let length = secret.length - 1; length >= MIN_SECRET_LENGTH; length -= 1) {
        if (part.endsWith(secret.slice(0, length))) return `${part.slice(0, part.length - length)}${REDACTED}`;
      }
    }
    return part;
  }
}
