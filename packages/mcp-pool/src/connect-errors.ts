/**
 * Connect failures that say why. undici's `fetch failed` keeps the network
 * error (`connect ECONNREFUSED 127.0.0.1:8931`, `getaddrinfo ENOTFOUND host`,
 * a certificate error) in `cause`; a stdio server that exits at start says why
 * on its stderr (`Cannot find module ...`); in `auto` mode the Streamable HTTP
 * failure is usually the real one and SSE only the fallback's, so both are kept,
 * Streamable HTTP first.
 */

const MAX_CAUSE_DEPTH = 4;

/** The error a failed connect leaves: the cause spelled out, then the last stderr lines of a stdio server. */
export function connectFailure(error: unknown, stderrLines: readonly string[] = []): Error {
  const tail = stderrLines.length === 0 ? "" : `; its stderr ended with:\n${stderrLines.map((line) => `  ${line}`).join("\n")}`;
  return new Error(`${describeFailure(error)}${tail}`, { cause: error });
}

/** Streamable HTTP failed and so did the SSE fallback: both causes, in that order. */
export function fallbackFailed(streamableHttp: unknown, sse: unknown): AggregateError {
  const message = `Streamable HTTP: ${describeFailure(streamableHttp)}; SSE fallback: ${describeFailure(sse)}`;
  return new AggregateError([streamableHttp, sse], message);
}

/** An error's message, with the network error behind a bare `fetch failed` added. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message.trim();
  const network = networkCause(error);
  return network === undefined || message.includes(network) ? message : `${message} (${network})`;
}

/** The first error down the cause chain that carries a system or TLS code. */
function networkCause(error: Error): string | undefined {
  let cause = error.cause;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && cause instanceof Error; depth += 1, cause = cause.cause) {
    // Several addresses tried (IPv6 and IPv4 for "localhost"): each says which one refused.
    if (cause instanceof AggregateError && cause.errors.length > 0) {
      return [...new Set(cause.errors.map((each: unknown) => (each instanceof Error ? withCode(each) : String(each))))].join(", ");
    }
    if (typeof (cause as NodeJS.ErrnoException).code === "string") return withCode(cause);
  }
  return undefined;
}

function withCode(error: Error): string {
  const message = error.message.trim();
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code !== "string" || message.includes(code) ? message : `${message} [${code}]`;
}
