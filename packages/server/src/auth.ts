/**
 * Who is asking. Off unless AUTH_TOKENS or JWT_SECRET is set; then /ws and
 * /api/* need a bearer token, read from (in order) the `Authorization: Bearer`
 * header, a `bearer.<token>` WebSocket subprotocol, or the `token` query parameter.
 * A static token's user id is as configured (it cannot hold a colon); a JWT's
 * is `jwt:<sub>`, so a JWT subject never stands for a static-token user.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import { verify } from "hono/jwt";
import { SUBPROTOCOL } from "./ws-protocol.js";

export interface AuthSettings {
  authTokens: Map<string, string>;
  jwtSecret: string | undefined;
  /** Accept a JWT without `exp` (default: refused, it would be valid for ever). */
  jwtAllowNoExp?: boolean;
  /** When set, a JWT's `aud` must include it. */
  jwtAudience?: string | undefined;
  /** When set, a JWT's `iss` must be it. */
  jwtIssuer?: string | undefined;
}

/** The prefix of the user id of a JWT's subject. */
const JWT_USER_PREFIX = "jwt:";

/** Hono's env for this app: the Node request (for the TCP socket) and who the request authenticated as. */
export type AuthEnv = { Bindings: HttpBindings; Variables: { userId: string | undefined } };

const SUBPROTOCOL_PREFIX = "bearer.";

export class Authenticator {
  /** SHA-256 of each static token: every comparison is of 32 bytes, whatever the lengths. */
  readonly #tokens: [Buffer, string][];
  readonly #settings: AuthSettings;

  constructor(settings: AuthSettings) {
    this.#tokens = [...settings.authTokens].map(([token, user]) => [sha256(token), user]);
    this.#settings = settings;
  }

  get enabled(): boolean {
    return this.#tokens.length > 0 || this.#settings.jwtSecret !== undefined;
  }

  /** The user id the token stands for, or undefined when it stands for no one. */
  async userOf(token: string): Promise<string | undefined> {
    const candidate = sha256(token);
    let found: string | undefined;
    // Every known token is compared, so the time taken does not say which one (nor how many) matched.
    for (const [known, user] of this.#tokens) if (timingSafeEqual(known, candidate)) found ??= user;
    if (found !== undefined) return found;
    const { jwtSecret, jwtAudience, jwtIssuer, jwtAllowNoExp } = this.#settings;
    if (jwtSecret === undefined || token.split(".").length !== 3) return undefined;
    try {
      const payload = await verify(token, jwtSecret, {
        alg: "HS256",
        ...(jwtAudience !== undefined && { aud: jwtAudience }),
        ...(jwtIssuer !== undefined && { iss: jwtIssuer }),
      });
      if (payload.exp === undefined && !jwtAllowNoExp) return undefined;
      return typeof payload.sub === "string" && payload.sub ? `${JWT_USER_PREFIX}${payload.sub}` : undefined;
    } catch {
      return undefined;
    }
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The bearer token of a request, wherever a browser or a program could put it. */
function tokenOf(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  const protocols =
    c.req
      .header("sec-websocket-protocol")
      ?.split(",")
      .map((p) => p.trim()) ?? [];
  const fromProtocol = protocols.find((p) => p.startsWith(SUBPROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(SUBPROTOCOL_PREFIX.length);
  return c.req.query("token") || undefined;
}

/** Sets `userId` (undefined when auth is off); answers 401 to a request without a valid token. */
export function requireUser(auth: Authenticator): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (!auth.enabled) {
      c.set("userId", undefined);
      return next();
    }
    const token = tokenOf(c);
    const userId = token ? await auth.userOf(token) : undefined;
    if (!userId) {
      return c.json({ error: "unauthorized", message: "a valid bearer token is required" }, 401, {
        "WWW-Authenticate": 'Bearer realm="mcp-pool"',
      });
    }
    c.set("userId", userId);
    return next();
  };
}

/** Selects `mcp-pool.v1` when offered, and nothing else (never a `bearer.` token, never a protocol we do not speak). */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false;
}
