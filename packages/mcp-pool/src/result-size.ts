/**
 * Results over a server's `maxResultBytes`: the transport does not read one
 * (a stdio line, an HTTP body), and answers the request it was for with this
 * JSON-RPC error instead, so that only that call fails, with
 * ResultTooLargeError; the connection and its other calls go on.
 */

import { McpError, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";

/** In JSON-RPC's range for implementation-defined server errors; `data.resultTooLarge` is what marks it. */
const RESULT_TOO_LARGE_CODE = -32_090;

export interface ResultSize {
  /** Bytes of the message that was refused (at least this many, when it was cut off). */
  bytes: number;
  /** The server's maxResultBytes. */
  limit: number;
}

/** The error response that takes the place of a result over the limit. */
export function resultTooLargeResponse(id: RequestId, size: ResultSize): JSONRPCMessage {
  return {
    jsonrpc: "2.0",
    id,
    error: {
      code: RESULT_TOO_LARGE_CODE,
      message: `the result was ${size.bytes} bytes, over maxResultBytes (${size.limit}); it was not read`,
      data: { resultTooLarge: size },
    },
  };
}

/** The size and limit when the error is a result refused for its size. */
export function resultTooLargeOf(error: unknown): ResultSize | undefined {
  if (!(error instanceof McpError) || error.code !== RESULT_TOO_LARGE_CODE) return undefined;
  const size = (error.data as { resultTooLarge?: Partial<ResultSize> } | undefined)?.resultTooLarge;
  if (typeof size?.bytes !== "number" || typeof size.limit !== "number") return undefined;
  return { bytes: size.bytes, limit: size.limit };
}
