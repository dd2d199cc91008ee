/**
 * Who is asking. Off unless AUTH_TOKENS or JWT_SECRET is set; then /ws and
 * /api/* need a bearer token, read from (in order) the `Authorization: Bearer`
 * header, a `bearer.<token>` WebSocket subprotocol, or the `token` query parameter.
 */

import { timingSafeEqual } from "node:crypto";
import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import { verify } from "hono/jwt";

export interface AuthSettings {
  authTokens: Map<string, string>;
  jwtSecret: string | undefined;
}

/** Hono's env for this app: the Node request (for the TCP socket) and who the request authenticated as. */
export type AuthEnv = { Bindings: HttpBindings; Variables: { userId: string | undefined } };

const SUBPROTOCOL_PREFIX = "bearer.";

export class Authenticator {
  readonly #tokens: [Buffer, string][];
  readonly #jwtSecret: string | undefined;

  constructor(settings: AuthSettings) {
    this.#tokens = [...settings.authTokens].map(([token, user]) => [Buffer.from(token), user]);
    this.#jwtSecret = settings.jwtSecret;
  }

  get enabled(): boolean {
    return this.#tokens.length > 0 || this.#jwtSecret !== undefined;
  }

  /** The user id the token stands for, or undefined when it stands for no one. */
  async userOf(token: string): Promise<string | undefined> {
    const candidate = Buffer.from(token);
    for (const [known, user] of this.#tokens) {
      if (known.length === candidate.length && timingSafeEqual(known, candidate)) return user;
    }
    if (this.#jwtSecret !== undefined && token.split(".").length === 3) {
      try {
        const payload = await verify(token, this.#jwtSecret, "HS256");
        return typeof payload.sub === "string" && payload.sub ? payload.sub : undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

/** The bearer token of a request, wherever a browser or a program could put it. */
export function tokenOf(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  const protocols = c.req.header("sec-websocket-protocol")?.split(",").map((p) => p.trim()) ?? [];
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

/** Chooses our subprotocol from those offered, never echoing a `bearer.` token back. */
export function selectSubprotocol(offered: Set<string>): string | false {
  for (const protocol of offered) if (!protocol.startsWith(SUBPROTOCOL_PREFIX)) return protocol;
  return false;
}
