/**
 * User session tokens: what the real service gives a user signed in through OAuth (its tokens are API keys `sk_…`
 * or OAuth JWTs). A session acts as its user with full access, in the user's personal account by default, and may
 * select with `X-Chaser-Account` any account the user belongs to (an API key stays bound to one account). That is
 * how an organization's first key is minted: `POST /v1/keys` with a session token and `X-Chaser-Account: <org>`.
 *
 * chaser-local has no sign-in: it issues tokens itself (`srv.sessionToken(email)`, the CLI's `chaser-local
 * session-token`, and the line `session token: …` printed at start beside a generated root key). They are JWTs
 * (HS256) signed with a secret derived from the root key, so whoever holds the root key can mint them, and they
 * stay valid across restarts with the same root key; `sub` is the user's email, looked up at every request.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ROOT_EMAIL } from "./records";

/** How long a session token is valid (seconds). */
export const SESSION_TTL_SECONDS = 24 * 60 * 60;
const ISSUER = "chaser-local";

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** Whether a bearer token is JWT-shaped (three base64url parts, a JSON header): a session token, not an API key. */
export function isJwtShaped(token: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

export class SessionTokens {
  private readonly secret: Buffer;

  constructor(rootKey: string) {
    this.secret = createHash("sha256").update(`chaser-local session tokens\0${rootKey}`).digest();
  }

  /** A token for the user with this email (default: root), valid SESSION_TTL_SECONDS from `now` (seconds). */
  issue(email: string = ROOT_EMAIL, now = Math.floor(Date.now() / 1000)): string {
    const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ iss: ISSUER, sub: email, iat: now, exp: now + SESSION_TTL_SECONDS })}`;
    return `${head}.${this.sign(head)}`;
  }

  /** The email a token was issued for, or why it is refused. */
  verify(token: string, now = Math.floor(Date.now() / 1000)): { email: string } | { problem: string } {
    const [h, p, s] = token.split(".");
    const want = Buffer.from(this.sign(`${h}.${p}`));
    const got = Buffer.from(s ?? "");
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { problem: "invalid session token" };
    let claims: { iss?: unknown; sub?: unknown; exp?: unknown };
    try {
      const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
      if (header?.alg !== "HS256") return { problem: "invalid session token" };
      claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    } catch {
      return { problem: "invalid session token" };
    }
    if (claims?.iss !== ISSUER || typeof claims.sub !== "string" || typeof claims.exp !== "number") return { problem: "invalid session token" };
    if (claims.exp <= now) return { problem: "this session token has expired: sign in again (chaser-local session-token)" };
    return { email: claims.sub };
  }

  private sign(head: string): string {
    return createHmac("sha256", this.secret).update(head).digest("base64url");
  }
}
