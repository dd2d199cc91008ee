import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { Authenticator } from "../src/auth.js";

const SECRET = "a-test-secret-of-32-characters!!";
const now = () => Math.floor(Date.now() / 1000);

describe("static tokens", () => {
  it("take as long to refuse whatever the candidate's length (no length leak)", async () => {
    // Many tokens make the comparison loop the larger part of the work, so a difference would show.
    const tokens = new Map(
      Array.from({ length: 2000 }, (_, i) => [`token-${String(i).padStart(26, "0")}`, `user${i}`] as [string, string]),
    );
    const auth = new Authenticator({ authTokens: tokens, jwtSecret: undefined });
    const sameLength = `token-${"x".repeat(26)}`;
    const otherLength = "short";
    const batch = async (candidate: string) => {
      const started = performance.now();
      for (let i = 0; i < 10; i++) await auth.userOf(candidate);
      return performance.now() - started;
    };
    // Interleaved rounds, the median of the per-round ratios.
    const ratios: number[] = [];
    for (let round = 0; round < 60; round++) ratios.push((await batch(sameLength)) / (await batch(otherLength)));
    ratios.sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1]!;
    expect(median).toBeGreaterThan(0.5);
    expect(median).toBeLessThan(2);
    expect(await auth.userOf("token-00000000000000000000000007")).toBe("user7");
  });
});

describe("JWTs (JWT_SECRET)", () => {
  it("are refused without exp unless JWT_ALLOW_NO_EXP", async () => {
    const noExp = await sign({ sub: "ann" }, SECRET, "HS256");
    expect(await new Authenticator({ authTokens: new Map(), jwtSecret: SECRET }).userOf(noExp)).toBeUndefined();
    expect(await new Authenticator({ authTokens: new Map(), jwtSecret: SECRET, jwtAllowNoExp: true }).userOf(noExp)).toBe("jwt:ann");
  });

  it("must carry JWT_AUDIENCE in aud and JWT_ISSUER as iss when those are set", async () => {
    const auth = new Authenticator({ authTokens: new Map(), jwtSecret: SECRET, jwtAudience: "mcp-chat", jwtIssuer: "https://id.example" });
    const token = (claims: Record<string, unknown>) => sign({ sub: "ann", exp: now() + 300, ...claims }, SECRET, "HS256");
    expect(await auth.userOf(await token({ aud: "mcp-chat", iss: "https://id.example" }))).toBe("jwt:ann");
    expect(await auth.userOf(await token({ aud: ["other", "mcp-chat"], iss: "https://id.example" }))).toBe("jwt:ann");
    expect(await auth.userOf(await token({ aud: "other-app", iss: "https://id.example" }))).toBeUndefined();
    expect(await auth.userOf(await token({ iss: "https://id.example" }))).toBeUndefined();
    expect(await auth.userOf(await token({ aud: "mcp-chat", iss: "https://evil.example" }))).toBeUndefined();
    expect(await auth.userOf(await token({ aud: "mcp-chat" }))).toBeUndefined();
  });

  it("stand for jwt:<sub>, never for the static-token user of the same name", async () => {
    const auth = new Authenticator({ authTokens: new Map([["tok-ann", "ann"]]), jwtSecret: SECRET });
    expect(await auth.userOf("tok-ann")).toBe("ann");
    expect(await auth.userOf(await sign({ sub: "ann", exp: now() + 300 }, SECRET, "HS256"))).toBe("jwt:ann");
  });
});
